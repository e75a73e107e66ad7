"""Customers' handlers: the guided flows, /start, /privacy, /language, My tickets, follow-ups and
survey answers.

Customers are served in private chats only: the gate is put in front of every handler here,
once, so none of them sees a group's updates (those go on to the staff desk or the fallbacks).
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.services import Kefu
from handlers.common.gates import only
from handlers.common.groups import ANSWERS, MAIN, Handlers
from handlers.customer import (
    complaint,
    consultation,
    followup,
    language,
    my_tickets,
    privacy,
    reachability,
    repair,
    returns,
    start,
    survey_answers,
)


def in_private_chat(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def build_handlers(kefu: Kefu) -> Handlers:
    timeout = kefu.config.support.conversation_timeout_minutes
    return {
        ANSWERS: only(in_private_chat, survey_answers.build_handlers()),
        MAIN: only(
            in_private_chat,
            [
                # Guided flows first, so that while one is under way it sees the answers.
                consultation.build_handler(timeout),
                repair.build_handler(timeout),
                returns.build_handler(timeout),
                complaint.build_handler(timeout),
                *start.build_handlers(),
                *privacy.build_handlers(),
                *language.build_handlers(),
                *my_tickets.build_handlers(),
                *reachability.build_handlers(),
                *followup.build_handlers(),  # last: free text joins an open ticket
            ],
        ),
    }
