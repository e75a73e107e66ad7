"""Tickets: creation with a gap-free number, look-ups, and changes recorded as events.

Every change appends a `TicketEvent`, except `stamp_first_response`, whose record is the
`staff_reply` event the caller appends alongside it.
"""

import re
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects, events
from storage.enums import EventKind, Priority, TicketStatus, TicketType, Warranty
from storage.events import Actor
from storage.models import Counter, Customer, Ticket

NUMBER_PREFIX = "K-"
_NUMBER_INPUT = re.compile(r"^\s*(?:K\s*-?\s*)?0*(\d{1,12})\s*$", re.IGNORECASE)
ACTIVE = (TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER)  # the desk works on these


def format_number(value: int) -> str:
    return f"{NUMBER_PREFIX}{value:06d}"


def parse_number(text: str) -> str | None:
    """The canonical number for what a person typed ("k-123", "K000123", "123"), or None."""
    match = _NUMBER_INPUT.match(text)
    return format_number(int(match[1])) if match else None


async def create(
    session: AsyncSession,
    customer: Customer,
    type: TicketType,
    *,
    now: datetime,
    actor: Actor | None = None,
    priority: Priority = Priority.NORMAL,
    product_id: str | None = None,
    order_number: str | None = None,
    serial_number: str | None = None,
    purchase_date: date | None = None,
    delivery_date: date | None = None,
    warranty: Warranty = Warranty.UNKNOWN,
    description: str | None = None,
    details: dict[str, Any] | None = None,
    intake_key: str | None = None,
) -> Ticket:
    """Open a ticket, numbered in this transaction, with its `created` event.

    `actor` defaults to the customer. `details` must be JSON-serialisable (dates as ISO text).
    `intake_key` (unique) names the draft it comes from; see `get_by_intake_key`.
    """
    ticket = Ticket(
        number=format_number(await _next_counter(session, "ticket")),
        customer=customer,
        type=type,
        status=TicketStatus.OPEN,
        priority=priority,
        product_id=product_id,
        order_number=order_number,
        serial_number=serial_number,
        purchase_date=purchase_date,
        delivery_date=delivery_date,
        warranty=warranty,
        description=description,
        details=dict(details or {}),
        intake_key=intake_key,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    await session.flush()
    await events.append(
        session,
        ticket,
        EventKind.CREATED,
        actor or Actor.customer(customer),
        now=now,
        text=description,
        data={"type": type.value, "priority": priority.value},
    )
    return ticket


async def _next_counter(session: AsyncSession, name: str) -> int:
    # An upsert locks the counter row until commit (PostgreSQL) or runs under SQLite's write
    # lock (BEGIN IMMEDIATE), so concurrent creations get distinct, consecutive numbers and a
    # rolled-back creation gives its number back.
    statement = (
        dialects.insert(session, Counter)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    return (await session.execute(statement)).scalar_one()


async def get(session: AsyncSession, ticket_id: int, *, for_update: bool = False) -> Ticket | None:
    """The ticket by id; `for_update` locks its row until commit (PostgreSQL) so that two
    staff actions on one ticket run one after the other."""
    return await session.scalar(_locked(select(Ticket).where(Ticket.id == ticket_id), for_update))


async def get_by_intake_key(session: AsyncSession, key: str) -> Ticket | None:
    return await session.scalar(select(Ticket).where(Ticket.intake_key == key))


async def get_by_number(
    session: AsyncSession, number: str, *, for_update: bool = False
) -> Ticket | None:
    """The ticket with this canonical number ("K-000123"; see `parse_number`)."""
    return await session.scalar(_locked(select(Ticket).where(Ticket.number == number), for_update))


async def get_by_topic(
    session: AsyncSession, chat_id: int, topic_id: int, *, for_update: bool = False
) -> Ticket | None:
    """The ticket whose staff forum topic this is."""
    query = select(Ticket).where(
        Ticket.staff_chat_id == chat_id, Ticket.staff_topic_id == topic_id
    )
    return await session.scalar(_locked(query, for_update))


def _locked(query: Select[tuple[Ticket]], for_update: bool) -> Select[tuple[Ticket]]:
    # SQLite has no row locks (and SQLAlchemy omits FOR UPDATE there): BEGIN IMMEDIATE
    # already serialises writers.
    return query.with_for_update(of=Ticket) if for_update else query


async def open_for_customer(session: AsyncSession, customer_id: int) -> list[Ticket]:
    """The customer's open or waiting tickets, newest first."""
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status.in_(ACTIVE))
        .order_by(Ticket.id.desc())
    )
    return list(rows)


async def for_customer(session: AsyncSession, customer_id: int) -> list[Ticket]:
    """Every ticket of the customer, oldest first, locked until commit (PostgreSQL)."""
    query = select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.id)
    return list(await session.scalars(_locked(query, True)))


async def recent_for_customer(
    session: AsyncSession, customer_id: int, *, limit: int = 10
) -> list[Ticket]:
    """The customer's latest tickets in any status, newest first."""
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer_id)
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    return list(rows)


async def active_without_topic(session: AsyncSession, *, limit: int) -> list[int]:
    """Ids of open or waiting tickets that have no staff topic yet, oldest first."""
    rows = await session.scalars(
        select(Ticket.id)
        .where(Ticket.staff_topic_id.is_(None), Ticket.status.in_(ACTIVE))
        .order_by(Ticket.id)
        .limit(limit)
    )
    return list(rows)


async def resolved_before(session: AsyncSession, cutoff: datetime, *, limit: int) -> list[int]:
    """Ids of tickets still resolved (not closed) since `cutoff` or earlier, oldest first."""
    rows = await session.scalars(
        select(Ticket.id)
        .where(Ticket.status == TicketStatus.RESOLVED, Ticket.resolved_at <= cutoff)
        .order_by(Ticket.resolved_at, Ticket.id)
        .limit(limit)
    )
    return list(rows)


async def set_topic(
    session: AsyncSession, ticket: Ticket, chat_id: int, topic_id: int, *, now: datetime
) -> None:
    """Link the ticket to its forum topic in the staff group."""
    ticket.staff_chat_id, ticket.staff_topic_id = chat_id, topic_id
    ticket.updated_at = now
    await events.append(
        session,
        ticket,
        EventKind.TOPIC_LINKED,
        Actor.system(),
        now=now,
        data={"chat_id": chat_id, "topic_id": topic_id},
    )


async def any_card_due(session: AsyncSession) -> bool:
    """Whether any ticket's card is due to be shown again (one probe of its index)."""
    found = await session.scalar(select(Ticket.id).where(Ticket.card_due_at.is_not(None)).limit(1))
    return found is not None


async def cards_due(
    session: AsyncSession, *, now: datetime, unposted_after: timedelta, limit: int
) -> list[tuple[int, datetime]]:
    """Tickets whose card is due to be shown again, claimed (FOR UPDATE SKIP LOCKED: another
    instance takes others), with the change they are due since. A topic still without its
    card counts once `unposted_after` has passed since the change: its announcement died.

    A ticket whose erasure notice is still to come waits for it: the notice renames the topic
    and shows the erased card itself (`domain.desk.topics.show_erased`), and a card shown
    beside it would be the same edit twice."""
    rows = await session.execute(
        select(Ticket.id, Ticket.card_due_at)
        .where(
            Ticket.card_due_at.is_not(None),
            Ticket.staff_topic_id.is_not(None),
            Ticket.erasure_notice_due_at.is_(None),
            (Ticket.staff_card_message_id.is_not(None))
            | (Ticket.card_due_at <= now - unposted_after),
        )
        .order_by(Ticket.card_due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(ticket_id, due) for ticket_id, due in rows]


async def card_shown(
    session: AsyncSession,
    ticket_id: int,
    due_at: datetime,
    *,
    title: str,
    message_id: int,
    shown_erased: bool,
) -> None:
    """The card shows the ticket as it was at `due_at`: not due any more, unless it changed
    again meanwhile.

    A card shown from the ticket before an erasure that committed meanwhile named the
    customer, and so did the title: neither is kept, and the card is due again, to be shown
    from the erased ticket (whatever of it reached the topic after the erasure's own notice)."""
    shown = await session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            true() if shown_erased else Ticket.personal_data_erased_at.is_(None),
        )
        .values(staff_card_message_id=message_id, staff_topic_title=title)
    )
    if shown.rowcount == 0:
        await session.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(
                staff_card_message_id=message_id,
                staff_topic_title=None,
                card_due_at=func.coalesce(Ticket.card_due_at, due_at),
            )
        )
        return
    await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.card_due_at == due_at)
        .values(card_due_at=None)
    )


async def set_status(
    session: AsyncSession,
    ticket: Ticket,
    status: TicketStatus,
    *,
    actor: Actor,
    now: datetime,
    text: str | None = None,
) -> bool:
    """Move the ticket to `status`; False (and no event) if it is already there.

    Resolving or closing stamps `resolved_at` / `closed_at`; reopening a resolved or closed
    ticket stamps `reopened_at` and clears both, so they always describe the current state.
    """
    previous = ticket.status
    if previous == status:
        return False
    if status == TicketStatus.RESOLVED:
        ticket.resolved_at = now
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif not previous.is_active:
        ticket.reopened_at = now
        ticket.resolved_at = ticket.closed_at = None
    ticket.status = status
    ticket.updated_at = now
    await events.append(
        session,
        ticket,
        EventKind.STATUS_CHANGED,
        actor,
        now=now,
        text=text,
        data={"from": previous.value, "to": status.value},
    )
    return True


async def assign(
    session: AsyncSession,
    ticket: Ticket,
    *,
    assignee_telegram_id: int | None,
    assignee_name: str | None,
    actor: Actor,
    now: datetime,
) -> bool:
    """Give the ticket to a staff member (None: unassign); False if nothing changes."""
    previous = ticket.assignee_telegram_id
    if previous == assignee_telegram_id:
        return False
    ticket.assignee_telegram_id, ticket.assignee_name = assignee_telegram_id, assignee_name
    ticket.updated_at = now
    await events.append(
        session,
        ticket,
        EventKind.ASSIGNED,
        actor,
        now=now,
        data={
            "telegram_id": assignee_telegram_id,
            "name": assignee_name,
            "previous_telegram_id": previous,
        },
    )
    return True


async def set_priority(
    session: AsyncSession, ticket: Ticket, priority: Priority, *, actor: Actor, now: datetime
) -> bool:
    """Change the priority; False (and no event) if it is unchanged."""
    previous = ticket.priority
    if previous == priority:
        return False
    ticket.priority = priority
    ticket.updated_at = now
    await events.append(
        session,
        ticket,
        EventKind.PRIORITY_CHANGED,
        actor,
        now=now,
        data={"from": previous.value, "to": priority.value},
    )
    return True


async def update_details(
    session: AsyncSession,
    ticket: Ticket,
    changes: dict[str, Any],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """Merge JSON-serialisable `changes` into `ticket.details` and record them."""
    ticket.details = {**ticket.details, **changes}
    ticket.updated_at = now
    await events.append(
        session, ticket, EventKind.DETAILS_CHANGED, actor, now=now, data={"changes": changes}
    )


async def stamp_first_response(session: AsyncSession, ticket: Ticket, *, now: datetime) -> bool:
    """Record the first staff response; True only the first time.

    A conditional UPDATE, so two staff replies racing on PostgreSQL cannot both stamp it.
    """
    if ticket.first_response_at is not None:
        return False
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.first_response_at.is_(None))
        # The card shows when the first response was due: it is shown answered now.
        .values(first_response_at=now, updated_at=now, card_due_at=now)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(ticket, ["first_response_at", "updated_at", "card_due_at"])
    return result.rowcount == 1


async def count_by_status(session: AsyncSession) -> dict[TicketStatus, int]:
    """How many tickets are in each status (every status, zero included)."""
    rows = await session.execute(select(Ticket.status, func.count()).group_by(Ticket.status))
    counts = {status: 0 for status in TicketStatus}
    counts.update({status: count for status, count in rows})
    return counts
