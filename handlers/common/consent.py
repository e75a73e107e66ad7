"""The privacy notice with Accept / Decline, and the consent every request needs first.

Shared by every customer flow: nothing personal is kept before the customer accepts.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.context import KefuContext
from handlers.common.buttons import Button

ACCEPT: Button[Any] = Button("privacy", "accept")
DECLINE: Button[Any] = Button("privacy", "decline")


def _consent_buttons(context: KefuContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(context.t.t("Accept"), callback_data=ACCEPT.data()),
                InlineKeyboardButton(context.t.t("Decline"), callback_data=DECLINE.data()),
            ]
        ]
    )


async def show_notice(update: Update, context: KefuContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        context.t.render("privacy_notice.html.j2"),
        parse_mode=ParseMode.HTML,
        reply_markup=_consent_buttons(context),
    )


async def require_consent(update: Update, context: KefuContext) -> bool:
    """True when the customer has consented; otherwise explain why we ask, and ask."""
    if context.consented:
        return True
    assert update.effective_chat is not None
    if update.callback_query:
        await update.callback_query.answer()
    await update.effective_chat.send_message(
        context.t.t(
            "To open a service ticket we need to keep your name and the details you give us. "
            "Please read and accept our privacy notice first."
        )
    )
    await show_notice(update, context)
    return False
