"""Editing a message Kefu sent (a pressed menu, a survey, a ticket card), at most once per change.

An edit is skipped when the message already shows the wanted text and buttons, as far as this
process knows (`bot.shown_messages`); when another process got there first, Telegram's
"message is not modified" is taken as the success it is.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, MaybeInaccessibleMessage, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.context import KefuContext
from bot.shown_messages import Shown, as_shown


async def edit_message(
    context: KefuContext,
    message: MaybeInaccessibleMessage,
    *,
    markup: InlineKeyboardMarkup | None,
    text: str | None = None,
    html_text: bool = False,
) -> None:
    """Put `text` (None: keep the text) and `markup` (None: no buttons) on `message`."""
    if not isinstance(message, Message):
        return  # too old for Telegram to let anyone edit it
    before = context.kefu.shown.get(message.chat_id, message.message_id) or Shown(
        message.text, message.reply_markup
    )
    keep_text = text is None
    await _edit(
        context,
        message.chat_id,
        message.message_id,
        before.text if keep_text else text,
        markup,
        before,
        None if keep_text else html_text,
    )


async def edit_message_at(
    context: KefuContext,
    chat_id: int,
    message_id: int,
    *,
    text: str,
    markup: InlineKeyboardMarkup | None,
    html_text: bool = False,
) -> None:
    """Put `text` and `markup` on a message known only by its ids (a ticket's card, when the
    button pressed was on another message)."""
    before = context.kefu.shown.get(chat_id, message_id)
    await _edit(context, chat_id, message_id, text, markup, before, html_text)


async def _edit(
    context: KefuContext,
    chat_id: int,
    message_id: int,
    text: str | None,
    markup: InlineKeyboardMarkup | None,
    before: Shown | None,
    html_text: bool | None = None,
) -> None:
    """The one edit both ask for. `html_text` None: only the buttons change (the text is
    `before`'s, as shown)."""
    wanted = Shown(text if html_text is None else as_shown(text or "", html_text), markup)
    if wanted == before:
        return
    try:
        if html_text is None:
            await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
        else:
            await context.bot.edit_message_text(
                text or "",
                chat_id,
                message_id,
                parse_mode=ParseMode.HTML if html_text else None,
                reply_markup=markup,
            )
    except BadRequest as error:
        if "not modified" not in error.message.lower():  # else another process got there first
            raise
    context.kefu.shown.note(chat_id, message_id, wanted)


async def edit_pressed(
    update: Update,
    context: KefuContext,
    *,
    markup: InlineKeyboardMarkup | None = None,
    text: str | None = None,
    html_text: bool = False,
) -> None:
    """Edit the message whose button was pressed."""
    query = update.callback_query
    if query is not None and query.message is not None:
        await edit_message(context, query.message, markup=markup, text=text, html_text=html_text)
