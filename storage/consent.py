"""The consent history: when a customer accepted, declined, withdrew or had their data erased.

Only kinds and times are kept, never what was erased: the history proves that consent came
before collection, and it is part of what `/mydata` hands the customer.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ConsentEvent


class Kind(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"  # at the notice, before any consent
    WITHDRAWN = "withdrawn"  # consent given earlier was withdrawn (and the data erased)
    ERASED = "erased"  # /forget, or the retention period passed for everything they had


async def record(session: AsyncSession, customer_id: int, kind: Kind, *, now: datetime) -> None:
    session.add(ConsentEvent(customer_id=customer_id, kind=kind.value, created_at=now))


async def history(session: AsyncSession, customer_id: int) -> list[ConsentEvent]:
    rows = await session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.customer_id == customer_id)
        .order_by(ConsentEvent.id)
    )
    return list(rows)
