"""Service records sent to customers, as the reports count them.

A record sent is an `EventKind.SERVICE_RECORD` event; it belongs to the ticket's current
resolution when it is no older than the ticket's `resolved_at` (reopening clears that, and the
next resolution stamps it anew).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import EventKind
from storage.models import Ticket, TicketEvent
from storage.reports import MAX_LISTED, Share


async def delivered(session: AsyncSession, start: datetime, end: datetime) -> Share:
    """Of the tickets resolved in [start, end), how many were sent that resolution's service
    record; the others by number (at most MAX_LISTED)."""
    resolved = and_(Ticket.resolved_at >= start, Ticket.resolved_at < end)
    sent = exists().where(
        TicketEvent.ticket_id == Ticket.id,
        TicketEvent.kind == EventKind.SERVICE_RECORD,
        TicketEvent.created_at >= Ticket.resolved_at,
    )
    part, whole = (
        await session.execute(select(func.count().filter(sent), func.count()).where(resolved))
    ).one()
    missing = await session.scalars(
        select(Ticket.number).where(resolved, ~sent).order_by(Ticket.number).limit(MAX_LISTED)
    )
    return Share(part, whole, tuple(missing))
