"""The relay outbox: customer messages recorded on a ticket, still to be copied into its topic.

A message is recorded with `relay_due_at` set, in the transaction that records it; a relay
claims what is due under a lease (a conditional UPDATE, so two instances cannot both take a
message), copies it, then clears it. A relay that dies leaves its lease to run out, and the
desk job copies the messages again: at least once, never lost. An instance alone on its
database gives every lease back at its start (`release_leases`): whoever held one is dead.
"""

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import TicketEvent


async def claim(
    session: AsyncSession, ticket_id: int, *, now: datetime, lease: timedelta, limit: int
) -> list[TicketEvent]:
    """The ticket's messages due for its topic, oldest first, leased for `lease`."""
    due = list(
        await session.scalars(
            select(TicketEvent.id)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.relay_due_at <= now)
            .order_by(TicketEvent.id)
            .limit(limit)
        )
    )
    if not due:
        return []
    taken = await session.scalars(
        update(TicketEvent)
        .where(TicketEvent.id.in_(due), TicketEvent.relay_due_at <= now)
        .values(relay_due_at=now + lease)
        .returning(TicketEvent)
    )
    return sorted(taken, key=lambda event: event.id)


async def done(session: AsyncSession, event_ids: list[int]) -> None:
    await session.execute(
        update(TicketEvent).where(TicketEvent.id.in_(event_ids)).values(relay_due_at=None)
    )


async def tickets_due(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Tickets with messages due for their topic (a relay cut short, or never started)."""
    rows = await session.scalars(
        select(TicketEvent.ticket_id)
        .where(TicketEvent.relay_due_at <= now)
        .distinct()
        .limit(limit)
    )
    return list(rows)


async def release_leases(session: AsyncSession, *, now: datetime) -> int:
    """Every message leased for a relay made due again, now: how many. Only for an instance
    that knows it is the only one (SQLite, `bot.instance.ExclusiveLease`), at its start: a
    relay cut short by a kill then goes at once, instead of when its lease would run out."""
    result = await session.execute(
        update(TicketEvent).where(TicketEvent.relay_due_at > now).values(relay_due_at=now)
    )
    return max(int(result.rowcount or 0), 0)
