"""Answering a button press: once, whatever path the press takes (`bot.callback_answers`).

Every handler answers through `answer`; a press nobody answered gets an empty answer from the
last handler group (`answer_leftover`), so the customer's spinner always stops.
"""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import BaseHandler, TypeHandler

from bot.context import KefuContext
from handlers.common.edits import edit_pressed


async def answer(
    update: Update, context: KefuContext, text: str | None = None, *, alert: bool = False
) -> bool:
    """Answer the update's callback query unless it was answered already; True if this did."""
    query = update.callback_query
    if query is None or not context.kefu.answered.claim(query.id):
        return False
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as error:
        # A press handled again after a restart is too old to answer; the rest of its
        # handling (the ticket, the next question) still matters, so it goes on.
        if "query is too old" not in error.message.lower():
            raise
        return False
    return True


async def drop_buttons(update: Update, context: KefuContext) -> None:
    """Take the buttons off the pressed message (once, however often it is pressed)."""
    await edit_pressed(update, context, markup=None)


def answered(update: Update, context: KefuContext) -> bool:
    query = update.callback_query
    return query is not None and query.id in context.kefu.answered


async def answer_leftover(update: Update, context: KefuContext) -> None:
    if update.callback_query is not None:
        await answer(update, context)


def build_handlers() -> list[BaseHandler]:
    """For the last group, which every update reaches unless a handler stopped it (and those
    answer their presses themselves)."""
    return [TypeHandler(Update, answer_leftover)]
