"""Erasing personal data once the retention period after a ticket's closing has passed.

Each closed ticket past the period is anonymised exactly as an erasure on request does for it
(`storage.erasure`); the anonymous service record stays, as the contract requires. A customer
is anonymised too once nothing of theirs remains inside the window.
"""

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import consent, erasure
from storage.enums import TicketStatus
from storage.models import Customer, Ticket
from storage.profile_models import CustomerNote, CustomerProduct, CustomerTag


async def erase_expired(
    session: AsyncSession, *, closed_before: datetime, now: datetime
) -> list[int]:
    """Anonymise tickets closed before `closed_before`, and customers with nothing newer.

    Returns the ids of the tickets anonymised. Safe to run again: done tickets are skipped.
    """
    expired = list(
        await session.scalars(
            select(Ticket).where(
                Ticket.status == TicketStatus.CLOSED,
                Ticket.closed_at < closed_before,
                Ticket.personal_data_erased_at.is_(None),
            )
        )
    )
    for ticket in expired:
        await erasure.anonymise_ticket(session, ticket, now=now)
    # A customer whose every ticket is closed and past retention, and who has not been in
    # touch since, keeps no profile. (Writing again brings a fresh one, with their consent.)
    has_recent_ticket = exists().where(
        Ticket.customer_id == Customer.id,
        (Ticket.status != TicketStatus.CLOSED) | (Ticket.closed_at >= closed_before),
    )
    has_any_ticket = exists().where(Ticket.customer_id == Customer.id)
    idle = await session.scalars(
        select(Customer).where(
            has_any_ticket,
            ~has_recent_ticket,
            Customer.updated_at < closed_before,
            (Customer.first_name.is_not(None))
            | (Customer.last_name.is_not(None))
            | (Customer.username.is_not(None))
            | (Customer.phone.is_not(None))
            | (Customer.email.is_not(None))
            | (Customer.display_name.is_not(None))
            | (Customer.address.is_not(None))
            | exists().where(CustomerProduct.customer_id == Customer.id)
            | exists().where(CustomerTag.customer_id == Customer.id)
            | exists().where(CustomerNote.customer_id == Customer.id),
        )
    )
    for customer in idle:
        await erasure.erase_customer(
            session, customer, by="retention", now=now, pending_updates=False
        )
        await consent.record(session, customer.id, consent.Kind.ERASED, now=now)
    return [ticket.id for ticket in expired]
