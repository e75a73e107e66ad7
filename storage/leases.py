"""Leases: work one process at a time may do (see `storage.models.Lease`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.dialects import database_now
from storage.models import Lease


async def claim(
    session: AsyncSession,
    name: str,
    holder: str,
    *,
    ttl: timedelta,
    holder_is_gone: Callable[[str], bool] = lambda _holder: False,
) -> Lease | None:
    """Take the lease for `holder`; None if taken, else the lease someone else holds.

    A lease whose holder let it lapse, or which `holder_is_gone` says is dead (a process of
    this machine that no longer runs), is taken over at once. Times are the database's, so
    instances whose clocks differ agree."""
    now = await database_now(session)
    await session.execute(
        dialects.insert(session, Lease)
        .values(name=name, holder=holder, acquired_at=now, expires_at=now + ttl)
        .on_conflict_do_nothing(index_elements=[Lease.name])
    )
    lease = await session.scalar(select(Lease).where(Lease.name == name).with_for_update())
    assert lease is not None
    if lease.holder == holder:
        lease.expires_at = now + ttl
        return None
    if lease.expires_at <= now or holder_is_gone(lease.holder):
        lease.holder, lease.acquired_at, lease.expires_at = holder, now, now + ttl
        return None
    return lease


async def held_by_others(
    session: AsyncSession,
    names_like: str,
    holder: str,
    *,
    holder_is_gone: Callable[[str], bool] = lambda _holder: False,
) -> Lease | None:
    """A live lease whose name matches the SQL pattern `names_like`, held by another than
    `holder`; None if there is none."""
    now = await database_now(session)
    held = await session.scalars(
        select(Lease)
        .where(Lease.name.like(names_like), Lease.holder != holder, Lease.expires_at > now)
        .order_by(Lease.acquired_at)
    )
    return next((lease for lease in held if not holder_is_gone(lease.holder)), None)


async def lock_claims(session: AsyncSession, key: int) -> None:
    """Claims under `key` wait for each other until this transaction ends (PostgreSQL; one
    process runs on SQLite): a check of other leases and a claim are then taken together."""
    if dialects.name_of(session) == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


async def renew(session: AsyncSession, name: str, holder: str, *, ttl: timedelta) -> bool:
    """Extend the lease; False if `holder` does not hold it any more."""
    now = await database_now(session)
    lease = await session.scalar(select(Lease).where(Lease.name == name).with_for_update())
    if lease is None or lease.holder != holder:
        return False
    lease.expires_at = now + ttl
    return True


async def release(session: AsyncSession, name: str, holder: str) -> None:
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
