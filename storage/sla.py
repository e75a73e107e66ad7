"""SLA alerts: tickets whose next alert has come, claimed alerts, and tickets at risk.

Policy-free: which alerts exist is decided in `domain.sla`; here they are claimed exactly once
(the unique key on ticket, timer, level and version, with ON CONFLICT DO NOTHING), found again
after a crash while pending, and marked when done.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import lazyload

from storage import dialects
from storage.enums import TicketStatus
from storage.models import SlaAlert, Ticket

_ACTIVE = (TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER)
BREACH = "breach"

AlertKey = tuple[str, str, int]  # timer, level, version


class AlertStatus(StrEnum):
    PENDING = "pending"  # claimed, not yet delivered everywhere
    SENT = "sent"
    SKIPPED = "skipped"  # superseded: a later level of the same timer came due first
    OBSOLETE = "obsolete"  # the deadline changed or the timer stopped before delivery


def alert_due_query(now: datetime, *, limit: int) -> Select[tuple[int]]:
    """Ids of tickets with an alert due at `now`, soonest first: one range scan of the
    `next_alert_at` index, whatever the number of closed tickets (theirs is NULL)."""
    return (
        select(Ticket.id)
        .where(Ticket.next_alert_at <= now)
        .order_by(Ticket.next_alert_at)
        .limit(limit)
    )


async def tickets_due(session: AsyncSession, now: datetime, *, limit: int) -> list[Ticket]:
    """Tickets with an alert due at `now`, locked for this transaction (PostgreSQL; rows another
    instance is scanning are skipped, SQLite's BEGIN IMMEDIATE already serialises)."""
    rows = await session.scalars(
        select(Ticket)
        .options(lazyload(Ticket.customer))  # not needed here; spares the join
        .where(Ticket.next_alert_at <= now)
        .order_by(Ticket.next_alert_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Ticket)
    )
    return list(rows)


async def claimed_keys(
    session: AsyncSession, ticket_ids: Iterable[int]
) -> set[tuple[int, str, str, int]]:
    """(ticket id, timer, level, version) of every alert already claimed for these tickets."""
    ids = list(ticket_ids)
    if not ids:
        return set()
    rows = await session.execute(
        select(SlaAlert.ticket_id, SlaAlert.timer, SlaAlert.level, SlaAlert.version).where(
            SlaAlert.ticket_id.in_(ids)
        )
    )
    return {(row[0], row[1], row[2], row[3]) for row in rows}


async def claim(
    session: AsyncSession,
    ticket_id: int,
    key: AlertKey,
    *,
    due_at: datetime,
    alert_at: datetime,
    status: AlertStatus,
    now: datetime,
) -> int | None:
    """Insert the alert's row; its id, or None if this alert was claimed already."""
    timer, level, version = key
    statement = (
        dialects.insert(session, SlaAlert)
        .values(
            ticket_id=ticket_id,
            timer=timer,
            level=level,
            version=version,
            status=status.value,
            due_at=due_at,
            alert_at=alert_at,
            delivered=0,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["ticket_id", "timer", "level", "version"])
        .returning(SlaAlert.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def pending(session: AsyncSession, *, limit: int) -> Sequence[tuple[SlaAlert, Ticket]]:
    """Claimed alerts not yet delivered (also those a crash left behind), oldest first."""
    rows = await session.execute(
        select(SlaAlert, Ticket)
        .join(Ticket, Ticket.id == SlaAlert.ticket_id)
        .where(SlaAlert.status == AlertStatus.PENDING.value)
        .order_by(SlaAlert.id)
        .limit(limit)
    )
    return [(alert, ticket) for alert, ticket in rows]


async def record_delivery(session: AsyncSession, alert_id: int, delivered: int) -> None:
    """Remember how many destinations have the alert, so a retry skips them."""
    await session.execute(
        update(SlaAlert).where(SlaAlert.id == alert_id).values(delivered=delivered)
    )


async def finish(
    session: AsyncSession, alert_id: int, status: AlertStatus, *, now: datetime
) -> bool:
    """Mark a pending alert sent, skipped or obsolete; False if it was not pending any more."""
    result = await session.execute(
        update(SlaAlert)
        .where(SlaAlert.id == alert_id, SlaAlert.status == AlertStatus.PENDING.value)
        .values(status=status.value, sent_at=now if status == AlertStatus.SENT else None)
    )
    return result.rowcount == 1


async def at_risk(
    session: AsyncSession, now: datetime, *, within: timedelta, limit: int
) -> list[Ticket]:
    """Active tickets with a running timer that is overdue, due within `within`, or already
    warned about for its current deadline; the soonest due first."""
    horizon = now + within
    first_due = Ticket.first_response_due_at
    resolution_due = and_(
        Ticket.resolution_due_at.is_not(None), Ticket.resolution_paused_at.is_(None)
    )
    warned = (
        select(SlaAlert.id)
        .where(
            SlaAlert.ticket_id == Ticket.id,
            SlaAlert.level != BREACH,
            or_(
                and_(
                    SlaAlert.timer == "first_response",
                    SlaAlert.version == Ticket.first_response_version,
                    first_due.is_not(None),
                ),
                and_(
                    SlaAlert.timer == "resolution",
                    SlaAlert.version == Ticket.resolution_version,
                    resolution_due,
                ),
            ),
        )
        .exists()
    )
    close = or_(first_due <= horizon, and_(resolution_due, Ticket.resolution_due_at <= horizon))
    running_resolution_due = case((resolution_due, Ticket.resolution_due_at))
    soonest = case(
        (first_due.is_(None), running_resolution_due),
        (running_resolution_due.is_(None), first_due),
        (first_due <= running_resolution_due, first_due),
        else_=running_resolution_due,
    )
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(_ACTIVE), or_(close, warned))
        .order_by(soonest, Ticket.id)
        .limit(limit)
    )
    return list(rows)


async def active_untracked(
    session: AsyncSession, *, limit: int, after_id: int = 0
) -> list[Ticket]:
    """Active tickets whose timers were never computed (opened before SLA tracking, or while
    no hook was installed), by id from `after_id`."""
    rows = await session.scalars(
        select(Ticket)
        .where(Ticket.status.in_(_ACTIVE), Ticket.sla_version == 0, Ticket.id > after_id)
        .order_by(Ticket.id)
        .limit(limit)
    )
    return list(rows)
