"""The end of every customer flow: the draft becomes a ticket, the customer gets its number."""

from __future__ import annotations

import logging
from dataclasses import replace

from telegram import Update
from telegram.error import TelegramError

from bot.context import KefuContext
from domain.desk import lifecycle, topics
from domain.desk.lifecycle import TicketDraft
from domain.sla.alerts import deliver_soon
from domain.sla.promises import first_response_due
from handlers.common.answers import answer
from handlers.common.flow import END, drop_draft, has_draft, say
from handlers.common.flow import draft as current_draft
from handlers.common.menus import main_menu
from storage import tickets

logger = logging.getLogger("kefu.intake")


async def may_open(update: Update, context: KefuContext) -> bool:
    """Whether the customer may open one more ticket (`[fair_use] max_open_tickets`); if not,
    say so, and where to add what they have to say instead."""
    assert context.customer_id is not None
    limit = context.kefu.config.fair_use.max_open_tickets
    async with context.kefu.db.read_only() as session:
        open_now = len(await tickets.open_for_customer(session, context.customer_id))
    if open_now < limit:
        return True
    await answer(update, context)
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        context.t.tn(
            "You already have {n} open request. Please add to it in My tickets, or wait until "
            "our team has resolved it.",
            "You already have {n} open requests. Please add to one of them in My tickets, or "
            "wait until our team has resolved one.",
            open_now,
        ),
        reply_markup=main_menu(context.t),
    )
    return False


async def open_ticket(update: Update, context: KefuContext, draft: TicketDraft) -> int:
    """Persist the ticket (one transaction), confirm to the customer, then tell the staff."""
    kefu = context.kefu
    now = kefu.clock.now()
    assert context.customer_id is not None
    key = getattr(current_draft(context), "key", None) if has_draft(context) else None
    made = draft if key is None else replace(draft, intake_key=key)
    replayed = key is not None and await lifecycle.made_from(kefu, key)
    if not replayed and not await may_open(update, context):  # e.g. opened in another flow
        return END
    created = await lifecycle.create(kefu, context.customer_id, made, now=now)
    # The ticket is committed: from here on nothing the customer sent can be lost.
    drop_draft(context)
    due = first_response_due(kefu, draft.type, draft.priority, now)
    if draft.emergency:
        # The alarm's own message to the customer says by when (`domain.desk.emergency_alerts`).
        confirmation = context.t.t(
            "Thank you! Your emergency request {number} is open, and our on-duty team is being "
            "alerted now.",
            number=created.number,
        )
    elif due is None:
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
    if draft.emergency:
        deliver_soon(context.job_queue)  # the alarm, claimed with the ticket, now its topic is up
    return END
