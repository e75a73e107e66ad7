"""Deduplication of Telegram updates, which are delivered at least once.

Call `mark_processed` in the same unit of work that handles the update: if handling fails
and rolls back, the mark goes too and a redelivery is handled again.
"""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.models import ProcessedUpdate


async def mark_processed(
    session: AsyncSession, bot_id: int, update_id: int, *, now: datetime
) -> bool:
    """Remember the update; False if it was already processed (skip it)."""
    result = await session.execute(
        dialects.insert(session, ProcessedUpdate)
        .values(bot_id=bot_id, update_id=update_id, received_at=now)
        .on_conflict_do_nothing(index_elements=[ProcessedUpdate.bot_id, ProcessedUpdate.update_id])
    )
    return result.rowcount == 1


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop marks older than `cutoff` (Telegram stops redelivering after a day); returns count."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.received_at < cutoff)
    )
    return result.rowcount
