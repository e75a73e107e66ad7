"""The last line of defence: log the failure, tell the person politely, in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import KefuContext

logger = logging.getLogger("kefu.errors")


async def report_error(update: object, context: KefuContext) -> None:
    logger.error(
        "handler failed",
        exc_info=context.error,
        extra={"fields": {"update_id": getattr(update, "update_id", None)}},
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        if update.callback_query:
            await update.callback_query.answer()
        await context.bot.send_message(
            update.effective_chat.id,
            context.t.t(
                "Sorry, something went wrong on our side. Please try again in a moment; "
                "nothing you sent us was lost."
            ),
            message_thread_id=update.effective_message.message_thread_id
            if update.effective_message and update.effective_message.is_topic_message
            else None,
        )
    except TelegramError:
        logger.warning("could not tell the user about the failure", exc_info=True)
