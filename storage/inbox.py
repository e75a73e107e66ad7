"""The durable inbox of Telegram updates: stored, then confirmed to Telegram, then handled.

Handling is at least once: an update whose handling was cut short by a crash is handled again
at the next start. Updates are stored with ON CONFLICT DO NOTHING, so one that Telegram sends
twice (its answer to our confirming poll was lost) is kept once.
"""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.models import InboxUpdate


async def store(
    session: AsyncSession, bot_id: int, updates: list[tuple[int, str]], *, now: datetime
) -> int:
    """Keep (update_id, JSON) pairs not seen before; returns how many were new."""
    stored = 0
    for update_id, payload in updates:
        result = await session.execute(
            dialects.insert(session, InboxUpdate)
            .values(bot_id=bot_id, update_id=update_id, payload=payload, received_at=now)
            .on_conflict_do_nothing(index_elements=[InboxUpdate.bot_id, InboxUpdate.update_id])
        )
        stored += result.rowcount
    return stored


async def pending(session: AsyncSession, bot_id: int, *, limit: int) -> list[tuple[int, str]]:
    """Updates not yet handled, in Telegram's order."""
    rows = await session.execute(
        select(InboxUpdate.update_id, InboxUpdate.payload)
        .where(InboxUpdate.bot_id == bot_id, InboxUpdate.processed_at.is_(None))
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    return [(update_id, payload) for update_id, payload in rows]


async def mark_processed(
    session: AsyncSession, bot_id: int, update_id: int, *, now: datetime
) -> None:
    await session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.bot_id == bot_id, InboxUpdate.update_id == update_id)
        .values(processed_at=now)
    )


async def forget_processed_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop handled updates received before `cutoff`; returns how many.

    Keep a day or more: Telegram may redeliver an update within that time, and the stored row
    is what recognises it. Unhandled updates are never dropped.
    """
    result = await session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.received_at < cutoff, InboxUpdate.processed_at.is_not(None)
        )
    )
    return result.rowcount
