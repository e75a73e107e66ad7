"""A follow-up visit answered "No, the problem is back": a repeat problem.

Inside the reopen window (`[support] reopen_days` from the resolution) the visit's own ticket
is reopened through the lifecycle; after it, a new ticket is opened, linked to the first (same
type, product and serial number; `details["repeat_of"]`), and gets its own topic. Either way
staff are told in that ticket's topic.

This runs before the answer is recorded (`handlers.customer.surveys`), so a crash in
between repeats it instead of losing it: reopening an open ticket changes nothing, the new
ticket is keyed by the visit (`intake_key`) and found again, and only the notice to staff may
be posted twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError

from bot.services import Kefu
from domain.desk import lifecycle, topics
from domain.desk.card import customer_translator, staff_translator
from domain.desk.lifecycle import TicketDraft
from domain.rules.warranty import warranty_status
from storage import tickets
from storage.enums import Warranty
from storage.events import Actor
from storage.models import Ticket
from storage.visits import Visit

logger = logging.getLogger("kefu.care")


@dataclass(frozen=True)
class ProblemBack:
    number: str  # the ticket now open for the problem
    reopened: bool  # the visit's own ticket; False: a new ticket linked to it


def inside_reopen_window(kefu: Kefu, ticket: Ticket) -> bool:
    """Whether the customer may still have the ticket reopened; a ticket that is no longer
    resolved (the customer wrote again meanwhile) is open, or reopened by the lifecycle."""
    if ticket.resolved_at is None:
        return True
    window = timedelta(days=kefu.config.support.reopen_days)
    return kefu.clock.now() <= ticket.resolved_at + window


async def problem_back(bot: Bot, kefu: Kefu, visit: Visit) -> ProblemBack:
    """Reopen the visit's ticket or open a linked one, and tell staff in its topic."""
    ticket = visit.ticket
    if inside_reopen_window(kefu, ticket):
        await lifecycle.reopen(bot, kefu, ticket.id, Actor.customer(ticket.customer))
        found = ProblemBack(ticket.number, reopened=True)
        open_id = ticket.id
    else:
        created = await lifecycle.create(kefu, ticket.customer_id, repeat_draft(kefu, visit))
        try:
            await topics.announce_ticket(bot, kefu, created.ticket_id)
        except TelegramError:
            # The desk's announcement job opens the topic later; the card says what happened.
            logger.warning("announcing repeat ticket %s failed", created.number, exc_info=True)
        found = ProblemBack(created.number, reopened=False)
        open_id = created.ticket_id
    await _tell_topic(bot, kefu, open_id)
    return found


def repeat_draft(kefu: Kefu, visit: Visit) -> TicketDraft:
    """The new ticket of a problem back after the reopen window, keyed by the visit."""
    ticket = visit.ticket
    product = kefu.config.product(ticket.product_id) if ticket.product_id else None
    today = kefu.clock.now().astimezone(kefu.timezone).date()
    warranty = warranty_status(
        ticket.purchase_date, product.warranty_months if product else None, today
    )
    words = customer_translator(kefu, ticket.customer)
    return TicketDraft(
        type=ticket.type,
        priority=ticket.priority,
        product_id=ticket.product_id,
        order_number=ticket.order_number,
        serial_number=ticket.serial_number,
        purchase_date=ticket.purchase_date,
        delivery_date=ticket.delivery_date,
        warranty=Warranty(warranty.value),
        description=words.t(
            "The problem of ticket {number} is back (follow-up visit).", number=ticket.number
        ),
        details={"repeat_of": ticket.number},
        intake_key=f"visit:{visit.row.id}",
    )


async def _tell_topic(bot: Bot, kefu: Kefu, ticket_id: int) -> None:
    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    if ticket is None or ticket.staff_chat_id is None or ticket.staff_topic_id is None:
        return  # no topic yet: it opens with the card, which says what happened
    try:
        await bot.send_message(
            ticket.staff_chat_id,
            staff_translator(kefu).t("Follow-up visit: the customer says the problem is back."),
            message_thread_id=ticket.staff_topic_id,
        )
    except TelegramError:
        logger.warning("could not tell topic %s of a repeat problem", ticket_id, exc_info=True)
