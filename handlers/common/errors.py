"""The last line of defence: log the failure, tell the person politely, in their language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import KefuContext
from bot.metrics import HANDLER_ERRORS
from handlers.common.answers import answer
from handlers.common.middleware import translator_for

logger = logging.getLogger("kefu.errors")


async def report_error(update: object, context: KefuContext) -> None:
    HANDLER_ERRORS.inc()
    logger.error(
        "handler failed",
        exc_info=context.error,
        extra={"fields": {"update_id": getattr(update, "update_id", None)}},
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        # PTB gives error handlers a fresh context: find the language again.
        t = await translator_for(update, context.kefu)
        await answer(update, context)  # unless the failed handler already had
        await context.bot.send_message(
            update.effective_chat.id,
            t.t(
                "Sorry, something went wrong on our side. Please try again in a moment; "
                "nothing you sent us was lost."
            ),
            message_thread_id=update.effective_message.message_thread_id
            if update.effective_message and update.effective_message.is_topic_message
            else None,
        )
    except Exception:  # the apology is best effort: the failure itself is logged above
        logger.warning("could not tell the user about the failure", exc_info=True)
    # The apology is the answer: no later handler group (the fallbacks' "I don't know that
    # command") speaks after it.
    raise ApplicationHandlerStop
