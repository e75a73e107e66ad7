"""Warranty and maintenance reminders: which purchases are due one, their outbox rows, and the
customer's "Stop these reminders".

A *purchase* is what a customer named in a request: a product with its serial number and
purchase date. Several tickets may name the same one (a repair, then a maintenance); the first
of them stands for it (`Purchase.ticket_id`), so each purchase gets each reminder once however
many tickets name it, and no serial number is copied into the outbox: the message is worded
from the ticket when it is sent.

Reminders go out through the campaign outbox as rows of two standing campaigns
(`storage.standing`), `warranty` and `maintenance`. The unique (campaign, ticket, occasion) key
makes queueing idempotent across restarts and instances: a warranty's end is one occasion (''),
each maintenance due date its own ("2027-06-01").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import dialects, outbox, standing
from storage.dialects import database_now
from storage.enums import TicketType
from storage.models import Customer, Ticket
from storage.survey_models import (
    Campaign,
    CampaignKind,
    CampaignRecipient,
    DeliveryStatus,
)


class ReminderKind(StrEnum):
    """Also the names of their standing campaigns."""

    WARRANTY = "warranty"
    MAINTENANCE = "maintenance"


# The customer's "Stop these reminders", per kind.
STOPPED = {
    ReminderKind.WARRANTY: Customer.warranty_reminders_off_at,
    ReminderKind.MAINTENANCE: Customer.maintenance_reminders_off_at,
}


@dataclass(frozen=True, slots=True)
class Purchase:
    ticket_id: int  # the first ticket that named it
    customer_id: int
    product_id: str
    purchased_on: date
    last_serviced: datetime | None  # the newest resolved maintenance ticket of it, if any


@dataclass(frozen=True, slots=True)
class Due:
    """A reminder that came due: its purchase's ticket and its occasion."""

    ticket_id: int
    customer_id: int
    occasion: str = ""


@dataclass(frozen=True, slots=True)
class Reminder:
    """A reminder's outbox row, its kind, and its purchase's ticket (with the customer)."""

    row: CampaignRecipient
    kind: ReminderKind
    ticket: Ticket


async def purchases(
    session: AsyncSession,
    kind: ReminderKind,
    product_ids: Sequence[str],
    *,
    bought_between: tuple[date, date] | None = None,
) -> list[Purchase]:
    """The purchases of these products whose customer may get reminders of this kind now:
    consented, reachable, not stopped, the ticket's personal data not erased."""
    if not product_ids:
        return []
    earlier = aliased(Ticket)
    service = aliased(Ticket)
    last_serviced = (
        select(func.max(service.resolved_at))
        .where(
            service.customer_id == Ticket.customer_id,
            service.product_id == Ticket.product_id,
            service.serial_number == Ticket.serial_number,
            service.type == TicketType.MAINTENANCE,
            service.resolved_at.is_not(None),
        )
        .scalar_subquery()
    )
    query = (
        select(
            Ticket.id, Ticket.customer_id, Ticket.product_id, Ticket.purchase_date, last_serviced
        )
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(
            Ticket.product_id.in_(list(product_ids)),
            Ticket.purchase_date.is_not(None),
            Ticket.personal_data_erased_at.is_(None),
            Customer.consent_at.is_not(None),
            Customer.unreachable_at.is_(None),
            STOPPED[kind].is_(None),
            # The first ticket naming the purchase stands for it.
            ~exists().where(
                earlier.customer_id == Ticket.customer_id,
                earlier.product_id == Ticket.product_id,
                earlier.serial_number == Ticket.serial_number,
                earlier.purchase_date.is_not(None),
                earlier.id < Ticket.id,
            ),
        )
        .order_by(Ticket.id)
    )
    if bought_between is not None:
        query = query.where(Ticket.purchase_date.between(*bought_between))
    rows = await session.execute(query)
    return [
        Purchase(ticket_id, customer_id, product_id, purchased_on, serviced)
        for ticket_id, customer_id, product_id, purchased_on, serviced in rows
    ]


async def queue(
    session: AsyncSession, kind: ReminderKind, due: Iterable[Due], *, now: datetime
) -> int:
    """Write the outbox rows of these reminders, each once (ON CONFLICT DO NOTHING on the
    unique key); how many were new. The standing campaign is made with the first one."""
    due = list(due)
    if not due:
        return 0
    campaign = await standing.ensure(
        session, kind.value, CampaignKind.REMINDER, texts={"reminder": kind.value}, now=now
    )
    due_at = await database_now(session)
    result = await session.execute(
        dialects.insert(session, CampaignRecipient)
        .values(
            [
                {
                    "run_id": campaign.run_id,
                    "campaign_id": campaign.campaign_id,
                    "customer_id": reminder.customer_id,
                    "ticket_id": reminder.ticket_id,
                    "occasion": reminder.occasion,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": due_at,
                }
                for reminder in due
            ]
        )
        .on_conflict_do_nothing(
            index_elements=[
                CampaignRecipient.campaign_id,
                CampaignRecipient.ticket_id,
                CampaignRecipient.occasion,
            ]
        )
    )
    return max(int(result.rowcount or 0), 0)


async def reminder(session: AsyncSession, recipient_id: int) -> Reminder | None:
    """The reminder with this outbox row id; None if there is none (or the row is no reminder)."""
    row = (
        await session.execute(
            select(CampaignRecipient, Campaign.standing, Ticket)
            .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
            .join(Ticket, Ticket.id == CampaignRecipient.ticket_id)
            .where(
                CampaignRecipient.id == recipient_id,
                Campaign.kind == CampaignKind.REMINDER,
            )
        )
    ).first()
    if row is None or row[1] not in {kind.value for kind in ReminderKind}:
        return None
    return Reminder(row[0], ReminderKind(row[1]), row[2])


async def stop(
    session: AsyncSession, customer: Customer, kind: ReminderKind, *, now: datetime
) -> int:
    """The customer's "Stop these reminders": no more of this kind, the queued ones skipped at
    once (in the same transaction). How many queued ones were skipped."""
    column = STOPPED[kind]
    if getattr(customer, column.key) is None:
        setattr(customer, column.key, now)
    campaigns = select(Campaign.id).where(Campaign.standing == kind.value)
    return await outbox.skip_queued(session, customer.id, campaigns=campaigns)


def stopped(customer: Customer, kind: ReminderKind) -> bool:
    return getattr(customer, STOPPED[kind].key) is not None
