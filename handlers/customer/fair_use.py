"""One customer's share of the desk (`[fair_use]`): a token bucket per customer.

The first handler of the customers' first group. Within their share nothing changes. Over it,
Kefu tells them once to wait, then stays quiet: button presses get a short answer (each press
is answered), commands and flow answers are not taken, and what they write outside a flow
still reaches the ticket it is for, without a word back (`followup.quietly`), so nothing they
tell the team is lost. The share comes back by itself as the bucket refills.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, TypeHandler

from bot.context import KefuContext
from handlers.common.answers import answer
from handlers.common.flow import has_draft
from handlers.customer import followup


async def within_share(update: Update, context: KefuContext) -> None:
    if context.customer_id is None:
        return
    kefu, share = context.kefu, context.kefu.config.fair_use
    verdict = kefu.buckets.take(
        context.customer_id, now=kefu.clock.now(), per_minute=share.per_minute, burst=share.burst
    )
    if verdict.allowed:
        return
    wait = context.t.t(
        "You are writing faster than we can take it in. Please wait a moment before sending "
        "more: what you write about an open ticket still reaches our team."
    )
    if update.callback_query is not None:
        await answer(
            update,
            context,
            wait if verdict.first_refusal else context.t.t("Please wait a moment."),
            alert=verdict.first_refusal,
        )
    elif verdict.first_refusal and update.effective_message is not None:
        await update.effective_message.reply_text(wait)
    message = update.message
    if message is not None and not (message.text or "").startswith("/") and not has_draft(context):
        await followup.quietly(update, context)
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    return [TypeHandler(Update, within_share)]
