"""The durable inbox of Telegram updates: stored, then confirmed to Telegram, then handled.

Handling is at least once: an update whose handling was cut short by a crash is handled again
at the next start. Updates are stored with ON CONFLICT DO NOTHING, so one that Telegram sends
twice (its answer to our confirming poll was lost) is kept once.

The inbox is not an archive of what people wrote. An update's JSON (names, usernames, texts) is
kept only while it waits to be handled, because a crash must not lose it; the statement that
marks it handled also drops it. What stays is the id, which is all a redelivery needs to be
recognised, and the sender, so an erasure can find that person's updates still waiting.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage import dialects
from storage.models import InboxUpdate


@dataclass(frozen=True)
class Incoming:
    """An update as it arrived: its id, whose it is (None for updates without a person, such
    as a poll's results) and its JSON."""

    update_id: int
    sender_id: int | None
    payload: str
    lane: str | None = None  # `storage.inbox_lanes.lane_of`


async def store(
    session: AsyncSession, bot_id: int, updates: list[Incoming], *, now: datetime
) -> int:
    """Keep the updates not seen before; returns how many were new."""
    return len(await store_new(session, bot_id, updates, now=now))


async def store_new(
    executor: AsyncSession | AsyncConnection,
    bot_id: int,
    updates: list[Incoming],
    *,
    now: datetime,
) -> list[int]:
    """Keep the updates not seen before; returns the ids of those that were new, in order.

    One statement for the batch, on the table itself (no ORM): it runs for every poll.
    """
    if not updates:
        return []
    inbox = InboxUpdate.__table__
    rows = [
        {
            "bot_id": bot_id,
            "update_id": incoming.update_id,
            "sender_id": incoming.sender_id,
            "lane": incoming.lane,
            "payload": incoming.payload,
            "received_at": now,
        }
        for incoming in updates
    ]
    result = await executor.execute(
        dialects.insert(executor, inbox)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[inbox.c.bot_id, inbox.c.update_id])
        .returning(inbox.c.update_id)
    )
    new = set(result.scalars())
    return [incoming.update_id for incoming in updates if incoming.update_id in new]


async def pending(session: AsyncSession, bot_id: int, *, limit: int) -> list[tuple[int, str]]:
    """Updates not yet handled, in Telegram's order.

    A row without a payload has nothing left to handle, whatever its `processed_at` says.
    """
    rows = await session.execute(
        select(InboxUpdate.update_id, InboxUpdate.payload)
        .where(
            InboxUpdate.bot_id == bot_id,
            InboxUpdate.processed_at.is_(None),
            InboxUpdate.payload.is_not(None),
        )
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    return [(update_id, payload) for update_id, payload in rows]


async def mark_processed(
    executor: AsyncSession | AsyncConnection,
    bot_id: int,
    update_ids: list[int],
    *,
    now: datetime,
) -> None:
    """Handled: the payload goes in the same statement, so no handled row ever keeps it."""
    inbox = InboxUpdate.__table__
    await executor.execute(
        update(inbox)
        .where(inbox.c.bot_id == bot_id, inbox.c.update_id.in_(update_ids))
        .values(processed_at=now, payload=None)
    )


async def erase_pending_of(
    session: AsyncSession, sender_id: int, *, before_update_id: int | None, now: datetime
) -> int:
    """For an erasure: drop the payloads of the person's updates still waiting to be handled,
    and mark them handled; returns how many.

    Those are handlings that failed and would be retried at the next start, bringing the
    erased data back. With `before_update_id` (the erasure request's own update), only earlier
    updates are touched: later ones are what the person wrote after asking. The ids stay, to
    recognise a redelivery.
    """
    statement = (
        update(InboxUpdate)
        .where(InboxUpdate.sender_id == sender_id, InboxUpdate.processed_at.is_(None))
        .values(processed_at=now, payload=None)
    )
    if before_update_id is not None:
        statement = statement.where(InboxUpdate.update_id < before_update_id)
    result = await session.execute(statement)
    return result.rowcount


async def drop_unhandled_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop updates received before `cutoff` and still not handled; returns how many.

    For updates whose handling keeps failing: kept for ever, they would hold what people wrote
    for ever.
    """
    result = await session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.received_at < cutoff, InboxUpdate.processed_at.is_(None)
        )
    )
    return result.rowcount


async def forget_processed_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop handled updates (by now only their ids) received before `cutoff`; returns how many.

    Keep a day or more: Telegram may redeliver an update within that time, and the stored row
    is what recognises it. Unhandled updates are left to `drop_unhandled_before`.
    """
    result = await session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.received_at < cutoff, InboxUpdate.processed_at.is_not(None)
        )
    )
    return result.rowcount


async def backlog(session: AsyncSession, bot_id: int) -> int:
    """How many updates wait to be handled (for health checks and metrics)."""
    count = await session.scalar(
        select(func.count())
        .select_from(InboxUpdate)
        .where(
            InboxUpdate.bot_id == bot_id,
            InboxUpdate.processed_at.is_(None),
            InboxUpdate.payload.is_not(None),
        )
    )
    return int(count or 0)
