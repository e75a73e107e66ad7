"""Edits of a ticket's topic that may find the change made already: by the card job, by a
button's handler, or by an earlier try cut short. Telegram refuses a repeat ("not modified"),
which here means done, not failed."""

from __future__ import annotations

from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest


async def rename_topic(bot: Bot, chat_id: int, thread: int, title: str) -> None:
    try:
        await bot.edit_forum_topic(chat_id, thread, name=title)
    except BadRequest as error:
        if "not_modified" not in error.message.lower().replace(" ", "_"):  # TOPIC_NOT_MODIFIED
            raise


async def edit_card(
    bot: Bot, chat_id: int, message_id: int, text: str, keyboard: InlineKeyboardMarkup
) -> None:
    try:
        await bot.edit_message_text(
            text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise
