"""Self-service: FAQ answers that solved a customer's question without a ticket."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Language
from storage.models import SelfServiceAnswer


async def record(
    session: AsyncSession,
    *,
    customer_id: int,
    faq_id: str,
    language: Language | str,
    now: datetime,
) -> None:
    """The customer said FAQ entry `faq_id` answered their question."""
    session.add(
        SelfServiceAnswer(
            customer_id=customer_id, faq_id=faq_id, language=Language(language), created_at=now
        )
    )
    await session.flush()


async def counts_between(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """How often each FAQ entry solved a question in [start, end), for reports."""
    rows = await session.execute(
        select(SelfServiceAnswer.faq_id, func.count())
        .where(SelfServiceAnswer.created_at >= start, SelfServiceAnswer.created_at < end)
        .group_by(SelfServiceAnswer.faq_id)
    )
    return {faq_id: count for faq_id, count in rows}
