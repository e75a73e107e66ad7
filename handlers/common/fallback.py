"""What nothing else handled: unknown commands, stray messages, stale buttons. Registered last."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import KefuContext
from handlers.common.answers import answer
from handlers.common.menus import main_menu


async def unknown_command(update: Update, context: KefuContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t.t("Sorry, I don't know that command. Send /help to see what I can do.")
    )


async def stray_message(update: Update, context: KefuContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t.t("Please choose what you need help with:"), reply_markup=main_menu(context.t)
    )


async def stale_button(update: Update, context: KefuContext) -> None:
    assert update.callback_query is not None
    await answer(update, context, context.t.t("This button is no longer valid."))


def build_handlers() -> list[BaseHandler]:
    private = filters.ChatType.PRIVATE
    return [
        MessageHandler(private & filters.COMMAND, unknown_command),
        MessageHandler(private & ~filters.UpdateType.EDITED, stray_message),
        CallbackQueryHandler(stale_button),
    ]
