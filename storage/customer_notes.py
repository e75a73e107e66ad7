"""Staff's tags and notes about a customer: added, removed, listed, with who did it.

The unique (customer, tag) is what keeps two staff tagging at once from making two: the second
insert does nothing and `add_tag` says so with False.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.enums import TicketStatus
from storage.models import Ticket
from storage.profile_models import CustomerNote, CustomerTag

NOTES_SHOWN = 10  # /customer shows the newest; /mydata has them all


async def add_tag(
    session: AsyncSession,
    customer_id: int,
    tag: str,
    *,
    by_telegram_id: int,
    by_name: str | None,
    now: datetime,
) -> bool:
    """False if the customer had the tag already."""
    added = await session.scalar(
        dialects.insert(session, CustomerTag)
        .values(
            customer_id=customer_id,
            tag=tag,
            added_by_telegram_id=by_telegram_id,
            added_by_name=by_name,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[CustomerTag.customer_id, CustomerTag.tag])
        .returning(CustomerTag.id)
    )
    if added is not None:
        await _cards_due(session, customer_id, now)
    return added is not None


async def remove_tag(session: AsyncSession, customer_id: int, tag: str, *, now: datetime) -> bool:
    """False if the customer did not have it."""
    result = await session.execute(
        delete(CustomerTag).where(CustomerTag.customer_id == customer_id, CustomerTag.tag == tag)
    )
    if result.rowcount:
        await _cards_due(session, customer_id, now)
    return bool(result.rowcount)


async def _cards_due(session: AsyncSession, customer_id: int, now: datetime) -> None:
    """The cards of the customer's tickets show their tags: each is due to be shown again
    (`domain.desk.cards`), in the transaction of the change."""
    await session.execute(
        update(Ticket)
        .where(
            Ticket.customer_id == customer_id,
            Ticket.staff_topic_id.is_not(None),
            Ticket.status != TicketStatus.CLOSED,  # a closed card is history: spare the budget
        )
        .values(card_due_at=now)
    )


async def tags_of(session: AsyncSession, customer_id: int) -> list[CustomerTag]:
    rows = await session.scalars(
        select(CustomerTag).where(CustomerTag.customer_id == customer_id).order_by(CustomerTag.tag)
    )
    return list(rows)


async def add_note(
    session: AsyncSession,
    customer_id: int,
    text: str,
    *,
    by_telegram_id: int,
    by_name: str | None,
    now: datetime,
) -> None:
    session.add(
        CustomerNote(
            customer_id=customer_id,
            text=text,
            author_telegram_id=by_telegram_id,
            author_name=by_name,
            created_at=now,
        )
    )
    await session.flush()


async def notes_of(
    session: AsyncSession, customer_id: int, *, limit: int | None = None
) -> list[CustomerNote]:
    """The notes, newest first."""
    query = (
        select(CustomerNote)
        .where(CustomerNote.customer_id == customer_id)
        .order_by(CustomerNote.created_at.desc(), CustomerNote.id.desc())
    )
    return list(await session.scalars(query if limit is None else query.limit(limit)))


async def tickets_per_tag(
    session: AsyncSession, start: datetime, end: datetime
) -> list[tuple[str, int]]:
    """Tickets opened in [start, end) per tag of their customer, most first (a ticket of a
    customer with two tags counts under both)."""
    count = func.count(Ticket.id)
    rows = await session.execute(
        select(CustomerTag.tag, count)
        .join(Ticket, Ticket.customer_id == CustomerTag.customer_id)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
        .group_by(CustomerTag.tag)
        .order_by(count.desc(), CustomerTag.tag)
    )
    return [(tag, int(n)) for tag, n in rows]
