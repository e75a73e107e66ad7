"""The end of every customer flow: the draft becomes a ticket, the customer gets its number."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from telegram import Update
from telegram.error import TelegramError

from bot import desk
from bot.context import KefuContext
from bot.promises import first_response_due
from handlers.flow import END, drop_draft, say
from handlers.menus import main_menu
from storage import attachments, customers, tickets
from storage.enums import Priority, TicketType, Warranty
from storage.events import Actor

logger = logging.getLogger("kefu.intake")


@dataclass
class TicketDraft:
    type: TicketType
    priority: Priority = Priority.NORMAL
    product_id: str | None = None
    order_number: str | None = None
    serial_number: str | None = None
    purchase_date: date | None = None
    delivery_date: date | None = None
    warranty: Warranty = Warranty.UNKNOWN
    description: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)


async def open_ticket(update: Update, context: KefuContext, draft: TicketDraft) -> int:
    """Persist the ticket (one transaction), confirm to the customer, then tell the staff."""
    kefu = context.kefu
    now = kefu.clock.now()
    assert context.customer_id is not None
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, context.customer_id)
        assert customer is not None
        ticket = await tickets.create(
            session,
            customer,
            draft.type,
            now=now,
            priority=draft.priority,
            product_id=draft.product_id,
            order_number=draft.order_number,
            serial_number=draft.serial_number,
            purchase_date=draft.purchase_date,
            delivery_date=draft.delivery_date,
            warranty=draft.warranty,
            description=draft.description,
            details=draft.details,
        )
        for file in draft.attachments:
            await attachments.add(session, ticket, actor=Actor.customer(customer), now=now, **file)
        ticket_id, number = ticket.id, ticket.number
    # The ticket is committed: from here on nothing the customer sent can be lost.
    drop_draft(context)
    due = first_response_due(kefu, draft.type, draft.priority, now)
    if due is None:
        confirmation = context.t.t(
            "Thank you! Your ticket {number} is open. Our team will answer you here soon.",
            number=number,
        )
    else:
        confirmation = context.t.t(
            "Thank you! Your ticket {number} is open. Our team will answer you here by {due}.",
            number=number,
            due=context.t.format_time(due, kefu.timezone),
        )
    await say(update, context, confirmation, main_menu(context.t))
    try:
        await desk.announce_ticket(context.bot, kefu, ticket_id)
    except TelegramError:
        # The periodic announcement job retries tickets that have no staff topic yet.
        logger.warning("announcing %s failed; will retry", number, exc_info=True)
    return END
