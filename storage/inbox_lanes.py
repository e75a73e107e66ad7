"""Inbox lanes: which Kefu instance handles which chat's updates, so each chat stays in order.

Several instances store into one inbox (a webhook behind a load balancer delivers anywhere), so
each takes the lanes it handles (`InboxLane`, one person in one chat) before handling their
updates, and gives a lane back when nothing is left in it. An instance reads only pending
updates whose lane is free or its own, claims those lanes, and renews what it holds every few
seconds. A lane whose holder stopped renewing (it died) is free after its lease; one whose
holder is known to be gone (`holder_is_gone`: a dead process of this machine) is taken at once.

Times are the database's (`database_now`), so instances whose clocks differ agree on leases.
Lanes are locked in one order (by name) so two instances claiming at once cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.dialects import database_now
from storage.models import InboxLane, InboxUpdate


def lane_of(chat_id: int | None, user_id: int | None) -> str:
    """The lane of one person's updates in one chat (PTB's conversation key)."""
    return f"{'-' if chat_id is None else chat_id}:{'-' if user_id is None else user_id}"


def person_of(lane: str) -> tuple[int, int] | None:
    """(chat id, user id) of a lane, None if it has no person (a poll's results)."""
    chat, _, user = lane.partition(":")
    try:
        return int(chat), int(user)
    except ValueError:
        return None


def _held_elsewhere(bot_id: int, holder: str, now: datetime) -> ColumnElement[bool]:
    return exists().where(
        InboxLane.bot_id == bot_id,
        InboxLane.lane == InboxUpdate.lane,
        InboxLane.holder != holder,
        InboxLane.expires_at > now,
    )


async def pending(
    session: AsyncSession,
    bot_id: int,
    holder: str,
    *,
    limit: int,
    skip: Collection[int] = (),
    now: datetime,
) -> list[tuple[int, str | None, str]]:
    """Pending updates (id, lane, payload) that `holder` may handle, in Telegram's order: in
    lanes that are free, lapsed, or its own; `skip` are ids it has in hand already. `now` is
    the database's time (`database_now`)."""
    query = (
        select(InboxUpdate.update_id, InboxUpdate.lane, InboxUpdate.payload)
        .where(
            InboxUpdate.bot_id == bot_id,
            InboxUpdate.processed_at.is_(None),
            InboxUpdate.payload.is_not(None),
            ~_held_elsewhere(bot_id, holder, now),
        )
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    if skip:
        query = query.where(InboxUpdate.update_id.not_in(list(skip)))
    rows = await session.execute(query)
    return [(update_id, lane, payload) for update_id, lane, payload in rows]


async def others_hold_lanes(
    session: AsyncSession, bot_id: int, holder: str, *, now: datetime
) -> bool:
    """Whether another instance holds a lane now: its updates may come free at any moment.
    `now` as for `pending`."""
    found = await session.scalar(
        select(
            exists().where(
                InboxLane.bot_id == bot_id,
                InboxLane.holder != holder,
                InboxLane.expires_at > now,
            )
        )
    )
    return bool(found)


async def claim(
    session: AsyncSession,
    bot_id: int,
    lanes: Collection[str],
    holder: str,
    *,
    ttl: timedelta,
    holder_is_gone: Callable[[str], bool] = lambda _holder: False,
) -> set[str]:
    """Take the `lanes` that are free, lapsed, already `holder`'s or held by someone gone; the
    set of those now held by `holder`."""
    if not lanes:
        return set()
    now = await database_now(session)
    ordered = sorted(set(lanes))
    await session.execute(
        dialects.insert(session, InboxLane)
        .values(
            [
                {"bot_id": bot_id, "lane": lane, "holder": holder, "expires_at": now + ttl}
                for lane in ordered
            ]
        )
        .on_conflict_do_nothing(index_elements=[InboxLane.bot_id, InboxLane.lane])
    )
    rows = await session.scalars(
        select(InboxLane)
        .where(InboxLane.bot_id == bot_id, InboxLane.lane.in_(ordered))
        .order_by(InboxLane.lane)
        .with_for_update()
    )
    mine: set[str] = set()
    for row in rows:
        if row.holder == holder or row.expires_at <= now or holder_is_gone(row.holder):
            row.holder, row.expires_at = holder, now + ttl
            mine.add(row.lane)
    return mine


async def pending_in(session: AsyncSession, bot_id: int, lane: str) -> list[tuple[int, str]]:
    """The lane's pending updates (id, payload), in order."""
    query = (
        select(InboxUpdate.update_id, InboxUpdate.payload)
        .where(
            InboxUpdate.bot_id == bot_id,
            InboxUpdate.lane == lane,
            InboxUpdate.processed_at.is_(None),
            InboxUpdate.payload.is_not(None),
        )
        .order_by(InboxUpdate.update_id)
    )
    return [(update_id, payload) for update_id, payload in await session.execute(query)]


async def release_if_idle(
    session: AsyncSession, bot_id: int, lane: str, holder: str
) -> list[tuple[int, str]]:
    """Give the lane back unless updates wait in it; those updates (then the lane stays held).

    An update stored by another instance after this looked is not lost: that instance saw the
    lane held and looks again shortly (`others_hold_lanes`), when it is free."""
    waiting = await pending_in(session, bot_id, lane)
    if not waiting:
        await session.execute(
            delete(InboxLane).where(
                InboxLane.bot_id == bot_id, InboxLane.lane == lane, InboxLane.holder == holder
            )
        )
    return waiting


async def renew(
    session: AsyncSession, bot_id: int, holder: str, *, keep: Collection[str], ttl: timedelta
) -> int:
    """Extend the lanes of `keep` that `holder` holds, and give back its others (left by a
    handling that stopped); how many it still holds."""
    now = await database_now(session)
    mine = (InboxLane.bot_id == bot_id, InboxLane.holder == holder)
    await session.execute(delete(InboxLane).where(*mine, InboxLane.lane.not_in(list(keep))))
    if not keep:
        return 0
    result = await session.execute(
        update(InboxLane).where(*mine, InboxLane.lane.in_(list(keep))).values(expires_at=now + ttl)
    )
    return result.rowcount


async def release_all(session: AsyncSession, bot_id: int, holder: str) -> None:
    await session.execute(
        delete(InboxLane).where(InboxLane.bot_id == bot_id, InboxLane.holder == holder)
    )


async def free_lanes_of_gone(
    session: AsyncSession, bot_id: int, holder: str, holder_is_gone: Callable[[str], bool]
) -> int:
    """Free the lanes of holders known to be gone (a dead process of this machine, such as
    this one's predecessor after a crash), without waiting for their leases; how many."""
    holders = await session.scalars(
        select(InboxLane.holder)
        .where(InboxLane.bot_id == bot_id, InboxLane.holder != holder)
        .distinct()
    )
    gone = [other for other in holders if holder_is_gone(other)]
    if not gone:
        return 0
    result = await session.execute(
        delete(InboxLane).where(InboxLane.bot_id == bot_id, InboxLane.holder.in_(gone))
    )
    return result.rowcount
