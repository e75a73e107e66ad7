"""The privacy notice, and the one consent gate every customer path that keeps or relays
anything personal passes first (`require_consent`).

`handlers.customer` puts the gate in front of those paths once, in its `build_handlers()`:
flow entries, follow-ups (text, contacts, locations, photos, documents) and the "Talk to a
person" step of the FAQ. Before consent Kefu keeps only the Telegram id, the language and the
consent state.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.context import KefuContext
from handlers.common.answers import answer
from handlers.common.buttons import Button

ACCEPT: Button[Any] = Button("privacy", "accept")
DECLINE: Button[Any] = Button("privacy", "decline")
WITHDRAW: Button[Any] = Button("privacy", "withdraw")


def _notice_buttons(context: KefuContext) -> InlineKeyboardMarkup:
    t = context.t.t
    if context.consented:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(t("Withdraw consent"), callback_data=WITHDRAW.data())]]
        )
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("Accept"), callback_data=ACCEPT.data()),
                InlineKeyboardButton(t("Decline"), callback_data=DECLINE.data()),
            ]
        ]
    )


async def show_notice(update: Update, context: KefuContext) -> None:
    """The notice, with Accept / Decline, or Withdraw for a customer who consented."""
    await answer(update, context)
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        context.t.render(
            "privacy_notice.html.j2",
            consented=context.consented,
            retention_days=context.kefu.config.privacy.retention_days,
        ),
        parse_mode=ParseMode.HTML,
        reply_markup=_notice_buttons(context),
    )


async def require_consent(update: Update, context: KefuContext) -> bool:
    """True when the customer has consented; otherwise explain why we ask, and ask."""
    if context.consented:
        return True
    assert update.effective_chat is not None
    await answer(update, context)
    await update.effective_chat.send_message(
        context.t.t(
            "To open a service ticket we need to keep your name and the details you give us. "
            "Please read and accept our privacy notice first."
        )
    )
    await show_notice(update, context)
    return False
