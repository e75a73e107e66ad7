"""Consultation: the customer asks in their own words; the FAQ answers, or a person does."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.context import KefuContext
from domain.desk.lifecycle import TicketDraft
from domain.rules.faq import search_faq
from handlers.common.buttons import MENU_CONSULT, Button
from handlers.common.consent import require_consent
from handlers.common.flow import (
    END,
    NEW_TEXT,
    Flow,
    Step,
    draft,
    drop_draft,
    fits,
    keyboard,
    say,
    start_draft,
    text_answer,
)
from handlers.common.intake import open_ticket
from handlers.common.menus import main_menu
from storage import selfservice
from storage.enums import TicketType

HUMAN: Button[Any] = Button("consult", "human")
FAQ = Button("consult", "faq", str)
SOLVED: Button[Any] = Button("consult", "solved")


class Consult(IntEnum):
    QUESTION = auto()
    ANSWERS = auto()
    ANSWER = auto()


def _entries(context: KefuContext) -> list:
    return [entry for entry in context.kefu.config.faq if entry.lang == context.t.language]


async def ask_question(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("What would you like to know? Ask in your own words."),
        keyboard(context, [], back=False),
    )


async def ask_answers(update: Update, context: KefuContext) -> None:
    answers = draft(context).answers
    human = [InlineKeyboardButton(context.t.t("Talk to a person"), callback_data=HUMAN.data())]
    if not answers["matches"]:
        await say(
            update,
            context,
            context.t.t(
                "I could not find an answer to that. You can rephrase it (press Back) or ask our "
                "team."
            ),
            keyboard(context, [human]),
        )
        return
    entries = {entry.id: entry for entry in _entries(context)}
    rows = [
        [InlineKeyboardButton(entries[faq_id].question, callback_data=FAQ.data(faq_id))]
        for faq_id in answers["matches"]
        if faq_id in entries
    ]
    await say(
        update,
        context,
        context.t.t("These answers may help. Choose one, or ask our team:"),
        keyboard(context, [*rows, human]),
    )


async def ask_answer_helped(update: Update, context: KefuContext) -> None:
    answers = draft(context).answers
    entry = next(e for e in _entries(context) if e.id == answers["chosen"])
    rows = [
        [InlineKeyboardButton(context.t.t("That answered it"), callback_data=SOLVED.data())],
        [InlineKeyboardButton(context.t.t("Talk to a person"), callback_data=HUMAN.data())],
    ]
    await say(update, context, f"{entry.question}\n\n{entry.answer}", keyboard(context, rows))


async def begin(update: Update, context: KefuContext) -> int:
    start_draft(context, "consultation")
    return await FLOW.goto(update, context, Consult.QUESTION)


async def got_question(update: Update, context: KefuContext) -> int:
    question = text_answer(update)
    if not await fits(update, context, question):
        return await FLOW.goto(update, context, Consult.QUESTION)
    matches = search_faq(question, _entries(context))
    draft(context).answers |= {
        "question": question,
        "matches": [match.entry.id for match in matches],  # type: ignore[attr-defined]
    }
    return await FLOW.goto(update, context, Consult.ANSWERS)


async def chose_answer(update: Update, context: KefuContext) -> int:
    faq_id = FAQ.value(update)
    if faq_id not in draft(context).answers.get("matches", []):
        return await FLOW.again(update, context)
    draft(context).answers["chosen"] = faq_id
    return await FLOW.goto(update, context, Consult.ANSWER)


async def solved(update: Update, context: KefuContext) -> int:
    kefu = context.kefu
    answers = draft(context).answers
    async with kefu.db.unit_of_work() as session:
        await selfservice.record(
            session,
            customer_id=context.customer_id,
            faq_id=answers["chosen"],
            language=context.t.language,
            now=kefu.clock.now(),
        )
    drop_draft(context)
    await say(
        update,
        context,
        context.t.t("Glad that helped! Anything else?"),
        main_menu(context.t),
    )
    return END


async def talk_to_person(update: Update, context: KefuContext) -> int:
    if not await require_consent(update, context):
        drop_draft(context)
        return END
    question = draft(context).answers["question"]
    return await open_ticket(
        update, context, TicketDraft(type=TicketType.CONSULTATION, description=question)
    )


FLOW = Flow("consultation")
FLOW.steps = {
    Consult.QUESTION: Step(ask_question, [MessageHandler(NEW_TEXT, got_question)]),
    Consult.ANSWERS: Step(
        ask_answers,
        [
            CallbackQueryHandler(chose_answer, pattern=FAQ.pattern),
            CallbackQueryHandler(talk_to_person, pattern=HUMAN.pattern),
        ],
    ),
    Consult.ANSWER: Step(
        ask_answer_helped,
        [
            CallbackQueryHandler(solved, pattern=SOLVED.pattern),
            CallbackQueryHandler(talk_to_person, pattern=HUMAN.pattern),
        ],
    ),
}


def build_handler(timeout_minutes: float) -> ConversationHandler:
    return FLOW.build(FLOW.entry_points(begin, MENU_CONSULT, "question"), timeout_minutes)
