"""The tickets of a period with their service record, SLA timers and survey, for export.

Streamed in constant memory, however long the period: the tickets come through a server-side
cursor (`yield_per`) a chunk at a time, and each chunk's events are read with one
`ticket_id IN (...)` query, so only one chunk and its events are ever held. What comes out are
plain frozen dataclasses, not ORM objects, so nothing piles up in the session either.

Personal data is read only when asked for (`with_personal_data`): without it the personal
columns are not even selected, and an event's `data` is cut down to `ANONYMOUS_EVENT_DATA`.
The customer is then known by Kefu's customer id alone. A ticket whose personal data was erased
(`storage.erasure`) has none left to export, and its customer's profile is not attached to it.
Telegram ids identify people too, so they count as personal here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import KeyedColumnElement

from storage.enums import (
    ActorKind,
    EventKind,
    Language,
    Priority,
    TicketStatus,
    TicketType,
    Warranty,
)
from storage.erasure import ANONYMOUS_DETAILS
from storage.models import Customer, Ticket, TicketEvent
from storage.survey_models import TicketSurvey

CHUNK_SIZE = 500  # tickets per cursor fetch, and per events query

# Keys of `TicketEvent.data` that are codes, numbers or flags, never something a person wrote
# or a person's identity: status and priority changes, the created event's type, SLA alerts,
# survey scores, an attachment's kind, whether a reply was delivered. Left out: assignment
# (staff ids and names), detail changes (addresses), message and topic ids.
ANONYMOUS_EVENT_DATA = frozenset(
    {"type", "priority", "from", "to", "timer", "level", "version", "due_at", "score",
     "previous", "comment", "kind", "delivered"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ExportedCustomer:
    id: int  # Kefu's customer id
    language: Language
    # Personal: None unless exported with personal data (and None once erased).
    telegram_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class ExportedTimers:
    """The ticket's SLA columns: the live timers and the outcomes kept for reports."""

    policy: str | None
    first_response_due_at: datetime | None  # running timers only
    resolution_due_at: datetime | None
    resolution_started_at: datetime | None
    resolution_used_seconds: int
    resolution_paused_at: datetime | None
    first_response_deadline: datetime | None  # as it stood when the timer last ran
    first_response_met: bool | None
    first_response_seconds: int | None  # business seconds the customer waited
    resolution_deadline: datetime | None
    resolution_met: bool | None
    resolution_seconds: int | None


@dataclass(frozen=True, slots=True)
class ExportedSurvey:
    sent_at: datetime | None
    score: int | None
    answered_at: datetime | None
    comment: str | None = None  # personal


@dataclass(frozen=True, slots=True)
class ExportedEvent:
    id: int
    kind: EventKind
    at: datetime
    actor_kind: ActorKind
    facts: dict[str, Any]  # the anonymous part of `data` (ANONYMOUS_EVENT_DATA)
    # Personal: None unless exported with personal data.
    actor_telegram_id: int | None = None
    actor_name: str | None = None
    text: str | None = None
    data: dict[str, Any] | None = None  # all of it


@dataclass(frozen=True, slots=True)
class ExportedTicket:
    id: int
    number: str
    type: TicketType
    status: TicketStatus
    priority: Priority
    product_id: str | None
    warranty: Warranty
    purchase_date: date | None
    delivery_date: date | None
    customer: ExportedCustomer
    created_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    reopened_at: datetime | None
    personal_data_erased_at: datetime | None
    erased_by: str | None
    facts: dict[str, Any]  # the anonymous details (`storage.erasure.ANONYMOUS_DETAILS`)
    timers: ExportedTimers
    survey: ExportedSurvey | None  # None: no survey was due (yet)
    events: tuple[ExportedEvent, ...]  # oldest first
    # Personal: None unless exported with personal data.
    description: str | None = None
    order_number: str | None = None
    serial_number: str | None = None
    details: dict[str, Any] | None = None
    assignee_telegram_id: int | None = None
    assignee_name: str | None = None


_TICKET = (
    Ticket.id, Ticket.number, Ticket.type, Ticket.status, Ticket.priority, Ticket.product_id,
    Ticket.warranty, Ticket.purchase_date, Ticket.delivery_date, Ticket.customer_id,
    Customer.language, Ticket.created_at, Ticket.first_response_at, Ticket.resolved_at,
    Ticket.closed_at, Ticket.reopened_at, Ticket.personal_data_erased_at, Ticket.erased_by,
    Ticket.details,
)  # fmt: skip
_TIMERS = (
    Ticket.sla_policy, Ticket.first_response_due_at, Ticket.resolution_due_at,
    Ticket.resolution_started_at, Ticket.resolution_used_seconds, Ticket.resolution_paused_at,
    Ticket.first_response_deadline, Ticket.first_response_met, Ticket.first_response_seconds,
    Ticket.resolution_deadline, Ticket.resolution_met, Ticket.resolution_seconds,
)  # fmt: skip
_SURVEY = (
    TicketSurvey.id.label("survey_id"), TicketSurvey.sent_at.label("survey_sent_at"),
    TicketSurvey.score.label("survey_score"), TicketSurvey.answered_at.label("survey_answered_at"),
)  # fmt: skip
_PERSONAL = (
    Customer.telegram_id, Customer.first_name, Customer.last_name, Customer.username,
    Customer.phone, Customer.email, Ticket.description, Ticket.order_number,
    Ticket.serial_number, Ticket.assignee_telegram_id, Ticket.assignee_name,
    TicketSurvey.comment.label("survey_comment"),
)  # fmt: skip
_EVENT = (
    TicketEvent.ticket_id, TicketEvent.id, TicketEvent.kind, TicketEvent.created_at,
    TicketEvent.actor_kind, TicketEvent.data,
)  # fmt: skip
_EVENT_PERSONAL = (TicketEvent.actor_telegram_id, TicketEvent.actor_name, TicketEvent.text)


async def tickets_created_between(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    *,
    with_personal_data: bool = False,
    chunk_size: int = CHUNK_SIZE,
) -> AsyncIterator[ExportedTicket]:
    """The tickets created in [since, until) (aware datetimes), oldest first, with their events.

    Iterate it to the end or close it (`aclosing`) inside the session's transaction: the
    server-side cursor lives there.
    """
    columns: list[KeyedColumnElement[Any]] = [*_TICKET, *_TIMERS, *_SURVEY]
    if with_personal_data:
        columns += _PERSONAL
    query = (
        select(*columns)
        .join(Customer, Customer.id == Ticket.customer_id)
        .outerjoin(TicketSurvey, TicketSurvey.ticket_id == Ticket.id)
        .where(Ticket.created_at >= since, Ticket.created_at < until)
        .order_by(Ticket.created_at, Ticket.id)  # a range scan of ix_tickets_created_at
        .execution_options(yield_per=chunk_size)
    )
    result = await session.stream(query)
    try:
        async for chunk in result.partitions():
            events = await _events_of(session, [row.id for row in chunk], with_personal_data)
            for row in chunk:
                yield _ticket(row, events.get(row.id, ()), with_personal_data)
    finally:
        await result.close()


async def _events_of(
    session: AsyncSession, ticket_ids: Sequence[int], with_personal_data: bool
) -> dict[int, list[ExportedEvent]]:
    columns = [*_EVENT, *_EVENT_PERSONAL] if with_personal_data else list(_EVENT)
    rows = await session.execute(
        select(*columns)
        .where(TicketEvent.ticket_id.in_(ticket_ids))
        .order_by(TicketEvent.ticket_id, TicketEvent.id)  # ix_ticket_events_ticket_id_id
    )
    by_ticket: dict[int, list[ExportedEvent]] = {}
    for row in rows:
        by_ticket.setdefault(row.ticket_id, []).append(_event(row, with_personal_data))
    return by_ticket


def _event(row: Row[Any], with_personal_data: bool) -> ExportedEvent:
    data = row.data or {}
    facts = {key: value for key, value in data.items() if key in ANONYMOUS_EVENT_DATA}
    personal: dict[str, Any] = {}
    if with_personal_data:
        personal = {
            "actor_telegram_id": row.actor_telegram_id,
            "actor_name": row.actor_name,
            "text": row.text,
            "data": dict(data),
        }
    return ExportedEvent(row.id, row.kind, row.created_at, row.actor_kind, facts, **personal)


def _ticket(
    row: Row[Any], events: Sequence[ExportedEvent], with_personal_data: bool
) -> ExportedTicket:
    details = row.details or {}
    personal: dict[str, Any] = {}
    customer = ExportedCustomer(row.customer_id, row.language)
    if with_personal_data:
        personal = {
            "description": row.description,
            "order_number": row.order_number,
            "serial_number": row.serial_number,
            "details": dict(details),
            "assignee_telegram_id": row.assignee_telegram_id,
            "assignee_name": row.assignee_name,
        }
        # An erased ticket is an anonymous record: the profile its customer may still have
        # (other, recent tickets) is not to be tied back to it.
        if row.personal_data_erased_at is None:
            customer = ExportedCustomer(
                row.customer_id,
                row.language,
                telegram_id=row.telegram_id,
                first_name=row.first_name,
                last_name=row.last_name,
                username=row.username,
                phone=row.phone,
                email=row.email,
            )
    return ExportedTicket(
        id=row.id,
        number=row.number,
        type=row.type,
        status=row.status,
        priority=row.priority,
        product_id=row.product_id,
        warranty=row.warranty,
        purchase_date=row.purchase_date,
        delivery_date=row.delivery_date,
        customer=customer,
        created_at=row.created_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        reopened_at=row.reopened_at,
        personal_data_erased_at=row.personal_data_erased_at,
        erased_by=row.erased_by,
        facts={key: value for key, value in details.items() if key in ANONYMOUS_DETAILS},
        timers=ExportedTimers(*(getattr(row, column.key) for column in _TIMERS)),
        survey=_survey(row, with_personal_data),
        events=tuple(events),
        **personal,
    )


def _survey(row: Row[Any], with_personal_data: bool) -> ExportedSurvey | None:
    if row.survey_id is None:
        return None
    comment = row.survey_comment if with_personal_data else None
    return ExportedSurvey(row.survey_sent_at, row.survey_score, row.survey_answered_at, comment)
