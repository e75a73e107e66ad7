"""Erasing personal data once the retention period after a ticket's closing has passed.

What goes: the customer's name, username, phone and e-mail, the visit address on their tickets
and the customer's name on their tickets' events. What stays: the anonymous service record
(what was asked, done and when), which the service contract requires.
"""

from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import ActorKind, TicketStatus
from storage.models import Customer, Ticket, TicketEvent

PERSONAL_DETAILS = ("address",)  # keys of Ticket.details that identify a person


async def erase_expired(session: AsyncSession, *, closed_before: datetime, now: datetime) -> int:
    """Anonymise tickets closed before `closed_before`, and customers with nothing newer.

    Returns how many tickets were anonymised. Safe to run again: done tickets are skipped.
    """
    closed = await session.scalars(
        select(Ticket).where(
            Ticket.status == TicketStatus.CLOSED,
            Ticket.closed_at < closed_before,
            Ticket.personal_data_erased_at.is_(None),
        )
    )
    erased = 0
    for ticket in closed:
        ticket.details = {k: v for k, v in ticket.details.items() if k not in PERSONAL_DETAILS}
        ticket.personal_data_erased_at = now
        erased += 1
        await session.execute(
            update(TicketEvent)
            .where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.actor_kind == ActorKind.CUSTOMER
            )
            .values(actor_name=None)
        )
    # A customer whose every ticket is closed and past retention, and who has not been in
    # touch since, keeps no profile. (Writing again brings a fresh one, with their consent.)
    has_recent_ticket = exists().where(
        Ticket.customer_id == Customer.id,
        (Ticket.status != TicketStatus.CLOSED) | (Ticket.closed_at >= closed_before),
    )
    has_any_ticket = exists().where(Ticket.customer_id == Customer.id)
    await session.execute(
        update(Customer)
        .where(
            has_any_ticket,
            ~has_recent_ticket,
            Customer.updated_at < closed_before,
            (Customer.first_name.is_not(None))
            | (Customer.last_name.is_not(None))
            | (Customer.username.is_not(None))
            | (Customer.phone.is_not(None))
            | (Customer.email.is_not(None)),
        )
        .values(first_name=None, last_name=None, username=None, phone=None, email=None)
        .execution_options(synchronize_session=False)
    )
    return erased
