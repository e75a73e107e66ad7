"""The end of every customer flow: the draft becomes a ticket, the customer gets its number."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import KefuContext
from domain.desk import lifecycle, topics
from domain.desk.lifecycle import TicketDraft
from domain.sla.promises import first_response_due
from handlers.common.flow import END, drop_draft, say
from handlers.common.menus import main_menu

logger = logging.getLogger("kefu.intake")


async def open_ticket(update: Update, context: KefuContext, draft: TicketDraft) -> int:
    """Persist the ticket (one transaction), confirm to the customer, then tell the staff."""
    kefu = context.kefu
    now = kefu.clock.now()
    assert context.customer_id is not None
    created = await lifecycle.create(kefu, context.customer_id, draft, now=now)
    # The ticket is committed: from here on nothing the customer sent can be lost.
    drop_draft(context)
    due = first_response_due(kefu, draft.type, draft.priority, now)
    if due is None:
        confirmation = context.t.t(
            "Thank you! Your ticket {number} is open. Our team will answer you here soon.",
            number=created.number,
        )
    else:
        confirmation = context.t.t(
            "Thank you! Your ticket {number} is open. Our team will answer you here by {due}.",
            number=created.number,
            due=context.t.format_time(due, kefu.timezone),
        )
    await say(update, context, confirmation, main_menu(context.t))
    try:
        await topics.announce_ticket(context.bot, kefu, created.ticket_id)
    except TelegramError:
        # The periodic announcement job retries tickets that have no staff topic yet.
        logger.warning("announcing %s failed; will retry", created.number, exc_info=True)
    return END
