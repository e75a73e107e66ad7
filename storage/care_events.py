"""Care and training events: announcing, registering within capacity, reminders, attendance.

An event's announcement is run 1 of its own standing campaign (`event:<id>`), written from the
audience when the admin confirms (`storage.campaigns.start_run`); its reminder is run 2, written
from the registrations when the reminder scan claims the event (`queue_reminders`), with
`occasion = "reminder"` on each row so the sender words it as one. The outbox sends both.

Capacity holds under concurrency: a registration locks the event's row (`FOR UPDATE` on
PostgreSQL; SQLite's `BEGIN IMMEDIATE` serialises writers), counts, then writes, and the
unique (event, customer) key makes a double press a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import campaigns, dialects, tickets
from storage.campaigns import Audience
from storage.dialects import database_now
from storage.event_models import CareEvent, EventRegistration
from storage.models import Customer
from storage.survey_models import (
    CampaignKind,
    CampaignRecipient,
    CampaignRun,
    DeliveryStatus,
    Repeat,
)

REMINDER = "reminder"  # `CampaignRecipient.occasion` of a reminder's row; '' is the announcement
REMINDER_RUN = 2


def standing_name(event_id: int) -> str:
    return f"event:{event_id}"


class Outcome(StrEnum):
    REGISTERED = "registered"
    ALREADY = "already"  # a double press: nothing changes
    FULL = "full"
    TAKEN_PLACE = "taken_place"  # the event has begun or is over
    UNKNOWN = "unknown"  # no such event (forged data)
    GONE = "gone"  # the event was cancelled
    CANCELLED = "cancelled"  # the customer's registration is cancelled
    NOT_REGISTERED = "not_registered"


@dataclass(frozen=True, slots=True)
class Listed:
    """An event as /events lists it."""

    event: CareEvent
    registered: int
    attended: int


@dataclass(frozen=True, slots=True)
class Registrant:
    registration_id: int
    customer_id: int
    telegram_id: int
    first_name: str | None
    attended: bool


# --- announcing ---------------------------------------------------------------------------------


async def announce(
    session: AsyncSession,
    *,
    title: dict[str, str],
    text: dict[str, str],
    starts_at: datetime,
    place: str,
    capacity: int,
    audience: Audience,
    created_by: int,
    now: datetime,
) -> tuple[CareEvent, int]:
    """The event, and its announcement queued in the outbox; how many it goes to."""
    event = CareEvent(
        title=title,
        text=text,
        starts_at=starts_at,
        place=place,
        capacity=capacity,
        audience=audience.as_json(),
        created_by=created_by,
        created_at=now,
    )
    session.add(event)
    await session.flush()
    campaign = await campaigns.create(
        session,
        kind=CampaignKind.EVENT,
        texts={"event_id": event.id},
        audience=audience,
        repeat=Repeat.NONE,
        first_run_at=now,
        created_by=created_by,
        now=now,
    )
    campaign.standing = standing_name(event.id)  # Kefu's own: admins' /campaigns never lists it
    event.campaign_id = campaign.id
    run = await campaigns.start_run(session, campaign, now=now, next_run_at=None)
    return event, run.recipients


async def get(
    session: AsyncSession, event_id: int, *, for_update: bool = False
) -> CareEvent | None:
    query = select(CareEvent).where(CareEvent.id == event_id)
    return await session.scalar(query.with_for_update() if for_update else query)


# --- registering --------------------------------------------------------------------------------


async def _active_count(session: AsyncSession, event_id: int) -> int:
    found = await session.scalar(
        select(func.count()).where(
            EventRegistration.event_id == event_id, EventRegistration.cancelled_at.is_(None)
        )
    )
    return int(found or 0)


async def _registration(
    session: AsyncSession, event_id: int, customer_id: int
) -> EventRegistration | None:
    return await session.scalar(
        select(EventRegistration).where(
            EventRegistration.event_id == event_id, EventRegistration.customer_id == customer_id
        )
    )


def _closed(event: CareEvent | None, now: datetime) -> Outcome | None:
    if event is None:
        return Outcome.UNKNOWN
    if event.cancelled_at is not None:
        return Outcome.GONE
    if event.starts_at <= now:
        return Outcome.TAKEN_PLACE
    return None


async def register(
    session: AsyncSession, event_id: int, customer_id: int, *, now: datetime
) -> Outcome:
    event = await get(session, event_id, for_update=True)  # registrations queue here
    if (closed := _closed(event, now)) is not None:
        return closed
    assert event is not None
    found = await _registration(session, event_id, customer_id)
    if found is not None and found.cancelled_at is None:
        return Outcome.ALREADY
    if await _active_count(session, event_id) >= event.capacity:
        return Outcome.FULL
    if found is None:
        session.add(
            EventRegistration(event_id=event_id, customer_id=customer_id, registered_at=now)
        )
    else:
        found.registered_at, found.cancelled_at = now, None
    await session.flush()
    return Outcome.REGISTERED


async def cancel_registration(
    session: AsyncSession, event_id: int, customer_id: int, *, now: datetime
) -> Outcome:
    event = await get(session, event_id, for_update=True)
    if (closed := _closed(event, now)) is not None:
        return closed
    found = await _registration(session, event_id, customer_id)
    if found is None or found.cancelled_at is not None:
        return Outcome.NOT_REGISTERED
    found.cancelled_at = now
    return Outcome.CANCELLED


async def cancel_upcoming_of(session: AsyncSession, customer_id: int, *, now: datetime) -> int:
    """Cancel the customer's registrations for events still to come (consent withdrawn, data
    erased): their places go back to others. Past ones stay, for the yearly count."""
    upcoming = select(CareEvent.id).where(CareEvent.starts_at > now).scalar_subquery()
    result = await session.execute(
        update(EventRegistration)
        .where(
            EventRegistration.customer_id == customer_id,
            EventRegistration.cancelled_at.is_(None),
            EventRegistration.event_id.in_(upcoming),
        )
        .values(cancelled_at=now)
    )
    return max(int(result.rowcount or 0), 0)


async def is_registered(session: AsyncSession, event_id: int, customer_id: int) -> bool:
    found = await _registration(session, event_id, customer_id)
    return found is not None and found.cancelled_at is None


async def places_left(session: AsyncSession, event: CareEvent) -> int:
    return max(event.capacity - await _active_count(session, event.id), 0)


# --- the reminder -------------------------------------------------------------------------------


async def queue_reminders(
    session: AsyncSession, *, now: datetime, before: timedelta, limit: int = 20
) -> list[int]:
    """Claim the events whose reminder is due (starting within `before`, not begun, not
    claimed) and write one outbox row per registered customer who may still be reached, due at
    once. An event announced inside that window gets none: its announcement is as recent.
    Returns the ids of the events claimed; a second scan, here or on another instance, finds
    them claimed (`reminder_queued_at`) and the run's unique number keeps it to one run."""
    candidates = await session.scalars(
        select(CareEvent)
        .where(
            CareEvent.reminder_queued_at.is_(None),
            CareEvent.cancelled_at.is_(None),
            CareEvent.starts_at > now,
            CareEvent.starts_at <= now + before,
        )
        .order_by(CareEvent.starts_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed: list[int] = []
    for event in list(candidates):
        event.reminder_queued_at = now
        claimed.append(event.id)
        if event.campaign_id is None or event.created_at > event.starts_at - before:
            continue
        await _write_reminder_run(session, event, event.campaign_id, now=now)
    return claimed


async def _write_reminder_run(
    session: AsyncSession, event: CareEvent, campaign_id: int, *, now: datetime
) -> None:
    await session.execute(
        dialects.insert(session, CampaignRun)
        .values(campaign_id=campaign_id, number=REMINDER_RUN, started_at=now, recipients=0)
        .on_conflict_do_nothing(index_elements=[CampaignRun.campaign_id, CampaignRun.number])
    )
    run = await session.scalar(
        select(CampaignRun).where(
            CampaignRun.campaign_id == campaign_id, CampaignRun.number == REMINDER_RUN
        )
    )
    assert run is not None
    due_at = await database_now(session)
    rows = (
        select(
            literal(run.id),
            literal(campaign_id),
            EventRegistration.customer_id,
            literal(REMINDER),
            literal(DeliveryStatus.PENDING.value),
            literal(0),
            literal(due_at, CampaignRecipient.next_attempt_at.type),
        )
        .join(Customer, Customer.id == EventRegistration.customer_id)
        .where(
            EventRegistration.event_id == event.id,
            EventRegistration.cancelled_at.is_(None),
            Customer.consent_at.is_not(None),
            Customer.unreachable_at.is_(None),
        )
    )
    columns = [
        "run_id",
        "campaign_id",
        "customer_id",
        "occasion",
        "status",
        "attempts",
        "next_attempt_at",
    ]
    result = await session.execute(
        dialects.insert(session, CampaignRecipient)
        .from_select(columns, rows)
        .on_conflict_do_nothing(
            index_elements=[CampaignRecipient.run_id, CampaignRecipient.customer_id],
            index_where=CampaignRecipient.ticket_id.is_(None),
        )
    )
    run.recipients = max(int(result.rowcount or 0), 0)


# --- attendance and listing ---------------------------------------------------------------------


async def registrants(session: AsyncSession, event_id: int) -> list[Registrant]:
    """Who is registered (not cancelled), in the order they registered."""
    rows = await session.execute(
        select(
            EventRegistration.id,
            Customer.id,
            Customer.telegram_id,
            Customer.first_name,
            EventRegistration.attended_at.is_not(None),
        )
        .join(Customer, Customer.id == EventRegistration.customer_id)
        .where(EventRegistration.event_id == event_id, EventRegistration.cancelled_at.is_(None))
        .order_by(EventRegistration.registered_at, EventRegistration.id)
    )
    return [Registrant(*row) for row in rows]


async def set_attended(
    session: AsyncSession, event_id: int, customer_ids: Sequence[int], *, now: datetime
) -> int:
    """Mark these registered customers as attended; how many were registered."""
    if not customer_ids:
        return 0
    result = await session.execute(
        update(EventRegistration)
        .where(
            EventRegistration.event_id == event_id,
            EventRegistration.customer_id.in_(list(customer_ids)),
            EventRegistration.cancelled_at.is_(None),
        )
        .values(
            attended_at=func.coalesce(
                EventRegistration.attended_at, literal(now, EventRegistration.attended_at.type)
            )
        )
        .execution_options(synchronize_session=False)
    )
    return max(int(result.rowcount or 0), 0)


async def toggle_attended(
    session: AsyncSession, event_id: int, registration_id: int, *, now: datetime
) -> bool | None:
    """Flip one registration's attendance; its new state, or None if it is not registered."""
    found = await session.scalar(
        select(EventRegistration)
        .where(
            EventRegistration.id == registration_id,
            EventRegistration.event_id == event_id,
            EventRegistration.cancelled_at.is_(None),
        )
        .with_for_update()
    )
    if found is None:
        return None
    found.attended_at = None if found.attended_at else now
    return found.attended_at is not None


async def customer_named(session: AsyncSession, who: str) -> int | None:
    """The customer staff name by a ticket number ("K-000012") or a Telegram id ("1001")."""
    if who[:1] in ("K", "k"):
        number = tickets.parse_number(who)
        ticket = await tickets.get_by_number(session, number) if number else None
        return ticket.customer_id if ticket else None
    if not who.isdigit() or len(who) > 19:
        return None
    return await session.scalar(select(Customer.id).where(Customer.telegram_id == int(who)))


async def listing(
    session: AsyncSession, *, now: datetime, upcoming: bool, limit: int = 10
) -> list[Listed]:
    """Events to come (soonest first) or past (latest first), with their counts."""
    active = EventRegistration.cancelled_at.is_(None)
    counts = (
        select(
            EventRegistration.event_id,
            func.count().label("registered"),
            func.count(EventRegistration.attended_at).label("attended"),
        )
        .where(active)
        .group_by(EventRegistration.event_id)
        .subquery()
    )
    when = CareEvent.starts_at > now if upcoming else CareEvent.starts_at <= now
    rows = await session.execute(
        select(
            CareEvent,
            func.coalesce(counts.c.registered, 0),
            func.coalesce(counts.c.attended, 0),
        )
        .outerjoin(counts, counts.c.event_id == CareEvent.id)
        .where(when)
        .order_by(CareEvent.starts_at if upcoming else CareEvent.starts_at.desc())
        .limit(limit)
    )
    return [Listed(event, int(registered), int(attended)) for event, registered, attended in rows]


# --- reports and the customer's data ------------------------------------------------------------


async def held_between(session: AsyncSession, start: datetime, end: datetime) -> list[datetime]:
    """When the events held in [start, end) began: not cancelled, start time passed by `end`."""
    rows = await session.scalars(
        select(CareEvent.starts_at)
        .where(
            CareEvent.cancelled_at.is_(None),
            CareEvent.starts_at >= start,
            CareEvent.starts_at < end,
        )
        .order_by(CareEvent.starts_at)
    )
    return list(rows)


async def registrations_of(session: AsyncSession, customer_id: int) -> list[dict[str, Any]]:
    """The customer's registrations, for /mydata: the event, and when they registered,
    cancelled and attended."""
    rows = await session.execute(
        select(
            EventRegistration.event_id,
            CareEvent.title,
            CareEvent.starts_at,
            EventRegistration.registered_at,
            EventRegistration.cancelled_at,
            EventRegistration.attended_at,
        )
        .join(CareEvent, CareEvent.id == EventRegistration.event_id)
        .where(EventRegistration.customer_id == customer_id)
        .order_by(EventRegistration.id)
    )
    keys = ("event_id", "title", "starts_at", "registered_at", "cancelled_at", "attended_at")
    return [dict(zip(keys, row, strict=True)) for row in rows]
