"""The yearly "is your profile still correct?": who is due, claiming one, and marking it sent.

Kept in the customer's row, so it needs no queue of its own: a customer is due once
`confirm_every` has passed since they consented, last confirmed and were last asked, and they
have an open ticket or one opened or closed within `recent`. A sender claims a customer with a
conditional UPDATE on the lease (`profile_check_claimed_until`, database rows, not memory), so two
instances never both ask; a crash mid-send leaves the lease to expire and the ask is retried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import TicketStatus
from storage.models import Customer, Ticket


@dataclass(frozen=True)
class Window:
    now: datetime
    confirm_every: timedelta
    recent: timedelta


def _due(window: Window) -> ColumnElement[bool]:
    cutoff = window.now - window.confirm_every
    recent = window.now - window.recent
    served = exists().where(
        Ticket.customer_id == Customer.id,
        Ticket.personal_data_erased_at.is_(None),
        or_(
            Ticket.status != TicketStatus.CLOSED,
            Ticket.created_at >= recent,
            Ticket.closed_at >= recent,
        ),
    )
    return and_(
        Customer.consent_at <= cutoff,
        Customer.unreachable_at.is_(None),
        or_(Customer.profile_confirmed_at.is_(None), Customer.profile_confirmed_at <= cutoff),
        or_(Customer.profile_check_sent_at.is_(None), Customer.profile_check_sent_at <= cutoff),
        or_(
            Customer.profile_check_claimed_until.is_(None),
            Customer.profile_check_claimed_until <= window.now,
        ),
        served,
    )


async def due(session: AsyncSession, window: Window, *, limit: int) -> list[int]:
    """Ids of customers due to be asked, longest-known first."""
    rows = await session.scalars(
        select(Customer.id).where(_due(window)).order_by(Customer.consent_at).limit(limit)
    )
    return list(rows)


async def claim(
    session: AsyncSession, customer_id: int, window: Window, *, lease: timedelta
) -> bool:
    """Take the customer's question for `lease`; False if another instance has it or it is no
    longer due (confirmed meanwhile, consent withdrawn)."""
    result = await session.execute(
        update(Customer)
        .where(Customer.id == customer_id, _due(window))
        .values(profile_check_claimed_until=window.now + lease)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def sent(session: AsyncSession, customer_id: int, *, now: datetime) -> None:
    """Asked (or found unreachable, which waits until next time just the same)."""
    await session.execute(
        update(Customer)
        .where(Customer.id == customer_id)
        .values(profile_check_sent_at=now, profile_check_claimed_until=None)
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Confirmed:
    """Customers served in a period, and which of them had a confirmed profile."""

    whole: int
    part: int
    unconfirmed: tuple[str, ...]  # the newest ticket number of each customer not confirmed


async def confirmed_among_served(
    session: AsyncSession, start: datetime, end: datetime, *, within: timedelta
) -> Confirmed:
    """Of the customers with a ticket opened in [start, end), those whose profile was confirmed
    within `within` before `end` (and not after it: a later confirmation is not the period's)."""
    newest = func.max(Ticket.number)
    rows = await session.execute(
        select(Customer.profile_confirmed_at, newest)
        .join(Ticket, Ticket.customer_id == Customer.id)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
        .group_by(Customer.id, Customer.profile_confirmed_at)
        .order_by(newest)
    )
    whole, part, unconfirmed = 0, 0, []
    for confirmed_at, number in rows:
        whole += 1
        if confirmed_at is not None and end - within <= confirmed_at < end:
            part += 1
        else:
            unconfirmed.append(number)
    return Confirmed(whole, part, tuple(unconfirmed))
