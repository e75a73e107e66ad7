"""Scheduled reports, one row per (period, admin): claimed under a unique key before sending.

The first claim inserts the row; a second claim (a restart, another instance) finds it and
takes it only if it is unsent and its lease has run out, with a conditional UPDATE, so two
instances never send one report together. `delivered` counts the messages already sent, so a
send cut short resumes after them.
"""

from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.models import ReportDelivery


async def claim(
    session: AsyncSession,
    kind: str,
    period_start: date,
    admin_id: int,
    *,
    now: datetime,
    lease: timedelta,
) -> ReportDelivery | None:
    """The delivery to send now (its `delivered` says where to resume), or None: sent already,
    or another sender holds it."""
    await session.execute(
        dialects.insert(session, ReportDelivery)
        .values(
            period_kind=kind,
            period_start=period_start,
            admin_id=admin_id,
            delivered=0,
            created_at=now,
        )
        .on_conflict_do_nothing()
    )
    taken = await session.scalar(
        update(ReportDelivery)
        .where(
            ReportDelivery.period_kind == kind,
            ReportDelivery.period_start == period_start,
            ReportDelivery.admin_id == admin_id,
            ReportDelivery.sent_at.is_(None),
            or_(ReportDelivery.claimed_until.is_(None), ReportDelivery.claimed_until < now),
        )
        .values(claimed_until=now + lease)
        .returning(ReportDelivery)
    )
    return taken


async def progress(session: AsyncSession, delivery_id: int, delivered: int) -> None:
    await session.execute(
        update(ReportDelivery).where(ReportDelivery.id == delivery_id).values(delivered=delivered)
    )


async def finish(session: AsyncSession, delivery_id: int, *, now: datetime) -> None:
    await session.execute(
        update(ReportDelivery)
        .where(ReportDelivery.id == delivery_id)
        .values(sent_at=now, claimed_until=None)
    )


async def sent(session: AsyncSession, kind: str, period_start: date) -> list[int]:
    """The admins who have this period's report (for tests and the operator)."""
    rows = await session.scalars(
        select(ReportDelivery.admin_id).where(
            ReportDelivery.period_kind == kind,
            ReportDelivery.period_start == period_start,
            ReportDelivery.sent_at.is_not(None),
        )
    )
    return list(rows)
