"""Emergencies for the reports: which were raised in a period, how soon staff answered, and
what they found caused them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Ticket

MAX_LISTED = 50  # emergencies named in a report; more are counted, not listed


@dataclass(frozen=True)
class EmergencyFacts:
    number: str
    raised_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    cause: str | None
    prevention: str | None

    @property
    def response_seconds(self) -> int | None:
        """From the alarm to the first staff answer the customer got (0: they had one
        already, as when staff raise it themselves); None while nobody answered."""
        if self.first_response_at is None:
            return None
        return max(0, round((self.first_response_at - self.raised_at).total_seconds()))


@dataclass(frozen=True)
class Emergencies:
    count: int
    listed: tuple[EmergencyFacts, ...]


async def raised_between(session: AsyncSession, start: datetime, end: datetime) -> Emergencies:
    """The emergencies raised in [start, end), oldest first (at most MAX_LISTED of them)."""
    in_period = (Ticket.emergency_at >= start) & (Ticket.emergency_at < end)
    rows = await session.execute(
        select(
            Ticket.number,
            Ticket.emergency_at,
            Ticket.first_response_at,
            Ticket.resolved_at,
            Ticket.emergency_cause,
            Ticket.emergency_prevention,
        )
        .where(in_period)
        .order_by(Ticket.emergency_at, Ticket.id)
        .limit(MAX_LISTED + 1)
    )
    found = tuple(EmergencyFacts(*row) for row in rows)
    count = len(found)
    if count > MAX_LISTED:
        count = await session.scalar(select(func.count()).select_from(Ticket).where(in_period))
    return Emergencies(count or 0, found[:MAX_LISTED])
