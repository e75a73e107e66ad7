"""Complaint: category, description, optional photos. Complaints get high priority."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.context import KefuContext
from domain.desk.lifecycle import TicketDraft
from handlers.common.buttons import MENU_COMPLAINT, Button, one_of
from handlers.common.flow import (
    NEW_TEXT,
    Flow,
    Step,
    draft,
    fits,
    keyboard,
    say,
    start_draft,
    text_answer,
)
from handlers.common.intake import open_ticket
from storage.enums import Priority, TicketType


class Complaint(IntEnum):
    CATEGORY = auto()
    DESCRIPTION = auto()
    PHOTOS = auto()
    CONFIRM = auto()


CATEGORIES = ("product", "service", "delivery", "repair", "other")
CATEGORY = Button("complaint", "cat", one_of(*CATEGORIES))
CONFIRM: Button[Any] = Button("complaint", "confirm")
EDIT: Button[Any] = Button("complaint", "edit")


def category_name(context: KefuContext, category: str) -> str:
    t = context.t.t
    return {
        "product": t("Product quality"),
        "service": t("Service attitude"),
        "delivery": t("Delivery"),
        "repair": t("Repair or installation work"),
        "other": t("Something else"),
    }[category]


async def ask_category(update: Update, context: KefuContext) -> None:
    rows = [
        [InlineKeyboardButton(category_name(context, c), callback_data=CATEGORY.data(c))]
        for c in CATEGORIES
    ]
    await say(
        update,
        context,
        context.t.t("We are sorry something went wrong. What is your complaint about?"),
        keyboard(context, rows, back=False),
    )


async def ask_description(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("Please tell us what happened. A manager will read every word."),
        keyboard(context, []),
    )


async def ask_confirm(update: Update, context: KefuContext) -> None:
    answers = draft(context).answers
    t = context.t.t
    text = "\n".join(
        [
            t("Please check your complaint:"),
            "",
            t("About: {value}", value=category_name(context, answers["category"])),
            t("What happened: {value}", value=answers["description"]),
            context.t.tn(
                "{n} file attached", "{n} files attached", len(answers.get("attachments", []))
            ),
        ]
    )
    rows = [
        [InlineKeyboardButton(t("Confirm and send"), callback_data=CONFIRM.data())],
        [InlineKeyboardButton(t("Edit description"), callback_data=EDIT.data())],
    ]
    await say(update, context, text, keyboard(context, rows))


async def begin(update: Update, context: KefuContext) -> int:
    start_draft(context, "complaint")
    return await FLOW.goto(update, context, Complaint.CATEGORY)


async def got_category(update: Update, context: KefuContext) -> int:
    category = CATEGORY.value(update)
    if category not in CATEGORIES:
        return await FLOW.again(update, context)
    draft(context).answers["category"] = category
    return await FLOW.proceed(update, context, Complaint.DESCRIPTION)


async def got_description(update: Update, context: KefuContext) -> int:
    text = text_answer(update)
    if not await fits(update, context, text):
        return await FLOW.goto(update, context, Complaint.DESCRIPTION)
    draft(context).answers["description"] = text
    return await FLOW.proceed(update, context, Complaint.PHOTOS)


async def edit_description(update: Update, context: KefuContext) -> int:
    return await FLOW.edit(update, context, Complaint.DESCRIPTION)


async def confirm(update: Update, context: KefuContext) -> int:
    answers = draft(context).answers
    return await open_ticket(
        update,
        context,
        TicketDraft(
            type=TicketType.COMPLAINT,
            priority=Priority.HIGH,
            description=answers["description"],
            details={"category": answers["category"]},
            attachments=answers.get("attachments", []),
        ),
    )


FLOW = Flow("complaint", summary=Complaint.CONFIRM)
FLOW.steps = {
    Complaint.CATEGORY: Step(
        ask_category, [CallbackQueryHandler(got_category, pattern=CATEGORY.pattern)]
    ),
    Complaint.DESCRIPTION: Step(ask_description, [MessageHandler(NEW_TEXT, got_description)]),
    Complaint.PHOTOS: FLOW.files_step(Complaint.PHOTOS, Complaint.CONFIRM),
    Complaint.CONFIRM: Step(
        ask_confirm,
        [
            CallbackQueryHandler(confirm, pattern=CONFIRM.pattern),
            CallbackQueryHandler(edit_description, pattern=EDIT.pattern),
        ],
    ),
}


def build_handler(timeout_minutes: float) -> ConversationHandler:
    return FLOW.build(FLOW.entry_points(begin, MENU_COMPLAINT, "complaint"), timeout_minutes)
