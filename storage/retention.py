"""Erasing personal data once the retention period after a ticket's closing has passed.

Each closed ticket past the period is anonymised exactly as an erasure on request does for it
(`storage.erasure`); the anonymous service record stays, as the contract requires. A customer
is anonymised too once nothing of theirs remains inside the window, whether they ever opened a
ticket or not: a profile, products or a campaign answer without any request are kept no longer
than a request's details.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import consent, erasure
from storage.enums import TicketStatus
from storage.event_models import CareEvent, EventRegistration
from storage.models import Customer, SelfServiceAnswer, Ticket
from storage.profile_models import CustomerNote, CustomerProduct, CustomerTag
from storage.survey_models import CampaignRecipient


async def erase_expired(
    session: AsyncSession, *, closed_before: datetime, now: datetime
) -> list[int]:
    """Anonymise tickets closed before `closed_before`, and customers with nothing newer.

    Returns the ids of the tickets anonymised. Safe to run again: done tickets are skipped, and
    so are customers who hold nothing personal any more.
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
    # A customer with nothing of theirs inside the window keeps no profile. (Writing again
    # brings a fresh one, with their consent.)
    idle = await session.scalars(
        select(Customer).where(~_active_since(closed_before), _holds_personal_data())
    )
    for customer in idle:
        await erasure.erase_customer(
            session, customer, by="retention", now=now, pending_updates=False
        )
        await consent.record(session, customer.id, consent.Kind.ERASED, now=now)
    return [ticket.id for ticket in expired]


def _active_since(cutoff: datetime) -> ColumnElement[bool]:
    """Something of the customer's inside the window: a ticket still going or closed since
    `cutoff`, or a trace of them dated since then."""
    mine = Customer.id
    return or_(
        exists().where(
            Ticket.customer_id == mine,
            (Ticket.status != TicketStatus.CLOSED) | (Ticket.closed_at >= cutoff),
        ),
        # Their row changed: consent given, the language, the profile (/profile, a contact),
        # Telegram's name refreshed.
        Customer.updated_at >= cutoff,
        # NULL tested first: NOT of an unknown is unknown, which would leave the customer out.
        Customer.consent_at.is_not(None) & (Customer.consent_at >= cutoff),
        exists().where(
            CampaignRecipient.customer_id == mine, CampaignRecipient.answered_at >= cutoff
        ),
        exists().where(CustomerProduct.customer_id == mine, CustomerProduct.updated_at >= cutoff),
        exists().where(CustomerTag.customer_id == mine, CustomerTag.created_at >= cutoff),
        exists().where(CustomerNote.customer_id == mine, CustomerNote.created_at >= cutoff),
        # An event they registered for since, came to since, or are still to come to.
        exists().where(
            EventRegistration.customer_id == mine,
            EventRegistration.event_id == CareEvent.id,
            (EventRegistration.registered_at >= cutoff)
            | (EventRegistration.attended_at >= cutoff)
            | (EventRegistration.cancelled_at.is_(None) & (CareEvent.starts_at >= cutoff)),
        ),
        exists().where(
            SelfServiceAnswer.customer_id == mine, SelfServiceAnswer.created_at >= cutoff
        ),
    )


def _holds_personal_data() -> ColumnElement[bool]:
    """Whether the customer-level erasure has anything to erase (tickets go by themselves)."""
    mine = Customer.id
    return or_(
        Customer.first_name.is_not(None),
        Customer.last_name.is_not(None),
        Customer.username.is_not(None),
        Customer.phone.is_not(None),
        Customer.email.is_not(None),
        Customer.display_name.is_not(None),
        Customer.address.is_not(None),
        exists().where(CustomerProduct.customer_id == mine),
        exists().where(CustomerTag.customer_id == mine),
        exists().where(CustomerNote.customer_id == mine),
        exists().where(
            CampaignRecipient.customer_id == mine, CampaignRecipient.comment.is_not(None)
        ),
    )
