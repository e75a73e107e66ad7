"""Customers' handlers: the guided flows, /start, /privacy, /language, My tickets, follow-ups,
survey answers and the service record's PDF.

Customers are served in private chats only: the gate is put in front of every handler here,
once, so none of them sees a group's updates (those go on to the staff desk or the fallbacks).

The consent gate (`handlers.common.consent.require_consent`) is put, here too, in front of
every path that keeps or relays anything personal: the flows that open a ticket, the
follow-ups and /profile. What stays open to everyone: /start, /help, /menu, the FAQ, the
language, the privacy notice itself, /mydata and /forget.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.services import Kefu
from handlers.common.consent import require_consent
from handlers.common.gates import guard, only
from handlers.common.groups import ANSWERS, MAIN, SHARE, Handlers
from handlers.common.intake import may_open
from handlers.customer import (
    complaint,
    consultation,
    event_registration,
    fair_use,
    followup,
    language,
    my_tickets,
    mydata,
    privacy,
    profile,
    reachability,
    record_pdf,
    reminders,
    repair,
    returns,
    start,
    surveys,
)


def in_private_chat(update: Update) -> bool:
    return update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE


def build_handlers(kefu: Kefu) -> Handlers:
    timeout = kefu.config.support.conversation_timeout_minutes
    return {
        SHARE: only(in_private_chat, fair_use.build_handlers()),
        # Privacy first of all: consent, withdrawal, erasure and the export work mid-flow too.
        ANSWERS: only(
            in_private_chat,
            [
                *privacy.build_handlers(),
                *mydata.build_handlers(),
                *surveys.build_handlers(),
                *record_pdf.build_handlers(),
                *reminders.build_handlers(),
                *profile.build_handlers(),  # the yearly check's "Yes, still correct"
                *event_registration.build_handlers(),  # asks for consent itself
            ],
        ),
        MAIN: only(
            in_private_chat,
            [
                # Guided flows first, so that while one is under way it sees the answers.
                # The FAQ is for everyone; its "Talk to a person" asks for consent itself.
                consultation.build_handler(timeout),
                # The profile is personal data: consent first.
                *guard(require_consent, [profile.build_handler(timeout)]),
                # Consent first, then the customer's share of open tickets.
                *guard(
                    require_consent,
                    guard(
                        may_open,
                        [
                            repair.build_handler(timeout),
                            returns.build_handler(timeout),
                            complaint.build_handler(timeout),
                        ],
                    ),
                ),
                *start.build_handlers(),
                *language.build_handlers(),
                *my_tickets.build_handlers(),
                *reachability.build_handlers(),
                # Last: whatever is sent (text, contact, location, photo, document) joins an
                # open ticket, so it is relayed to staff only with consent.
                *guard(require_consent, followup.build_handlers()),
            ],
        ),
    }
