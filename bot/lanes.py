"""Hands stored updates to PTB: one chat's updates in order, different chats at once, and each
chat handled by one Kefu instance at a time.

A conversation needs its own updates one after the other; nothing needs one customer to wait
for another, whose reply may be stuck on a slow Telegram call. So updates are queued by lane
(one person in one chat), and each lane is drained by its own task, at most `CONCURRENCY`
handling at once.

On PostgreSQL any instance may have stored an update (a webhook delivers anywhere), so a lane
is leased in the database (`storage.inbox_lanes`) before its updates are handled here, renewed
while this instance lives, and given back when nothing waits in it. Updates of a lane another
instance holds are left to it; when another holds lanes at all, the inbox is read again every
`HANDOFF_SECONDS`, since a lane it gives back comes with no signal here. An instance that dies
holding lanes loses them after `LANE_TTL` (at once when it ran on this machine), and their
updates are handled by whoever claims them next: at least once, as after any crash.

A guided flow keeps its place and its answers in PTB's memory too (written through to the
database, `bot.persistence`), and its timeout is a timer of the instance that handled its last
step. So a lane stays held while a flow is under way in it (`idle`), and an instance that claims
a lane afresh reads the flow back from the database before handling its update. On SQLite
the instance is the only one (`bot.instance.ExclusiveLease`), and lanes live in memory alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from datetime import timedelta

from telegram import Update

from bot.context import KefuApplication
from bot.instance import holder_is_gone, shares_the_database, this_instance
from bot.marks import Marks
from bot.metrics import UPDATE_SECONDS, UPDATES
from bot.persistence import DatabasePersistence
from bot.services import Kefu
from bot.updates import lane_of_update, read_update, update_kind
from storage import inbox, inbox_lanes
from storage.db import CONNECT_ERRORS, DatabaseUnavailable
from storage.dialects import database_now
from storage.inbox_lanes import person_of

logger = logging.getLogger("kefu.inbox")

BATCH = 100
CONCURRENCY = 16  # updates of different chats handled at once
LANE_TTL = timedelta(seconds=20)
RENEW_SECONDS = 5.0  # three renewals may fail before a lane lapses
HANDOFF_SECONDS = 0.25
MAX_OFFERED = 10_000
MAX_BACKOFF = 30.0
# How long a stopping Kefu lets the updates in hand finish: with the rest of the shutdown, a
# SIGTERM ends the process within 10 s, as process managers and rolling deploys expect.
SHUTDOWN_GRACE_SECONDS = 5.0
DATABASE_DOWN = (DatabaseUnavailable, *CONNECT_ERRORS)


class Dispatcher:
    def __init__(self, application: KefuApplication, kefu: Kefu, arrived: asyncio.Event) -> None:
        self.application = application
        self.kefu = kefu
        self.arrived = arrived  # set when an update is stored, or a lane's task finishes
        self.holder = this_instance()
        self.shared = shares_the_database(kefu)  # else the only instance: lanes in memory only
        self.lanes: dict[str, asyncio.Task[None]] = {}  # lanes held here, each being drained
        self.queues: dict[str, deque[tuple[int, Update]]] = {}
        self.releasing: set[str] = set()  # giving the lane back: wait before adding to it
        self.claiming: set[str] = set()  # claimed or being claimed, its task not yet started
        # Held with nothing to handle, because a flow is under way in it: the flow's timer and
        # its place stay here, and what the person sends next (to any instance) is ours.
        self.idle: set[str] = set()
        self.stale: set[str] = set()  # claimed afresh: read the flow back before handling
        self.dispatched: set[int] = set()  # handed to a lane, not yet finished
        # Finished while the dispatcher was reading: its snapshot may still show them pending.
        self.finished: set[int] = set()
        self.slots = asyncio.Semaphore(CONCURRENCY)
        # Alone on its database, once the inbox is caught up, this process hands out what it
        # has just stored itself (`offer`) without reading it back; it reads the inbox again
        # only after a failure. Elsewhere, and until then, the inbox is read each time.
        self.from_memory = False
        self.offered: deque[tuple[int, Update]] = deque()
        self.handled: dict[int, None] = {}  # the latest ids handled here, oldest first
        self.marks = Marks(kefu, application.bot)

    @property
    def bot_id(self) -> int:
        return self.application.bot.id

    async def run(self, stop: asyncio.Event) -> None:
        """Dispatch until `stop` is set; then let the lanes finish within the grace period and
        give every lane back."""
        self.stop = stop
        renewing = asyncio.create_task(self._keep_lanes(stop)) if self.shared else None
        try:
            await self._dispatch(stop)
        finally:
            if renewing is not None:
                renewing.cancel()
            await self._finish_lanes()
            if self.shared:
                await self._release_all()

    def offer(self, stored: list[tuple[int, Update]]) -> None:
        """Updates this process has just stored (committed), in Telegram's order."""
        if not self.shared:
            self.offered.extend(stored)
            if len(self.offered) > MAX_OFFERED:  # catching up on a long backlog meanwhile
                self.offered.clear()
                self.from_memory = False
        self.arrived.set()

    async def _dispatch(self, stop: asyncio.Event) -> None:
        down_pause = 1.0  # between reads of an inbox whose database is away
        while not stop.is_set():
            # Cleared before looking, so a batch stored while we look still wakes us.
            self.arrived.clear()
            if self.from_memory:
                if not self._take_offered():
                    await self.arrived.wait()
                continue
            self.finished.clear()
            try:
                handed, others_busy = await self._take_what_is_free()
            except DATABASE_DOWN:
                # Nothing is lost meanwhile: what arrives waits at Telegram (or gets a 503).
                logger.warning("could not read the inbox; trying again in %.0f s", down_pause)
                await pause(stop, down_pause)
                down_pause = min(down_pause * 2, MAX_BACKOFF)
                continue
            down_pause = 1.0
            if handed or stop.is_set():
                continue
            # Updates for a lane held idle here may be stored by another instance, unsignalled.
            look_again = others_busy or bool(self.idle)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.arrived.wait(), HANDOFF_SECONDS if look_again else None
                )

    async def _take_what_is_free(self) -> tuple[int, bool]:
        """Claim the lanes of pending updates and queue those updates; how many were queued,
        and whether other instances hold lanes (whose updates may come free)."""
        batch, others_busy = await self._read_pending()
        if not self.shared and len(batch) < BATCH:
            # Caught up: what was stored after this read was offered, and comes from memory.
            self.from_memory = True
        fresh: list[tuple[int, str, Update]] = []
        for update_id, stored_lane, payload in batch:
            update = read_update(payload, self.application.bot)
            if update is None:  # nothing to handle, now or at any retry: set it aside
                logger.warning("update %s has no readable payload; set aside", update_id)
                await self._mark_handled(update_id)
                continue
            fresh.append((update_id, stored_lane or lane_of_update(update), update))
        wanted = {lane for _, lane, _ in fresh if lane not in self.lanes}
        wanted -= self.releasing
        claimed: set[str] = set()
        self.claiming |= wanted  # kept by `_keep_lanes` while their tasks are not started
        try:
            if wanted and not self.shared:
                claimed = wanted
            elif wanted:
                async with self.kefu.db.unit_of_work() as session:
                    claimed = await inbox_lanes.claim(
                        session,
                        self.bot_id,
                        wanted,
                        self.holder,
                        ttl=LANE_TTL,
                        holder_is_gone=holder_is_gone,
                    )
                # Unless held all along, another instance may have taken its flow further.
                self.stale |= claimed - self.idle
                self.idle -= claimed
            handed = 0
            for update_id, lane, update in fresh:
                # A lane's task may have queued it while we read (`_drain`'s hand-back check).
                if update_id in self.dispatched or update_id in self.finished:
                    continue
                if lane in self.releasing:
                    continue  # read again once it is given back: the task sets `arrived`
                if lane not in self.lanes and lane not in claimed:
                    others_busy = True  # another instance took it between our read and claim
                    continue
                self._queue(lane, update_id, update)
                handed += 1
        finally:
            self.claiming -= wanted
        return handed, others_busy

    async def _read_pending(self) -> tuple[list[tuple[int, str | None, str]], bool]:
        """Pending updates this instance may handle (id, lane, payload), and whether other
        instances hold lanes."""
        skip = self.dispatched | self.finished
        async with self.kefu.db.read_only() as session:
            if not self.shared:
                rows = await inbox.pending(session, self.bot_id, limit=BATCH + len(skip))
                return [(i, None, p) for i, p in rows if i not in skip], False
            # One reading of the database's clock for both questions: a round trip each.
            now = await database_now(session)
            batch = await inbox_lanes.pending(
                session, self.bot_id, self.holder, limit=BATCH, skip=skip, now=now
            )
            others_busy = await inbox_lanes.others_hold_lanes(
                session, self.bot_id, self.holder, now=now
            )
        return batch, others_busy

    def _take_offered(self) -> int:
        """Queue what was offered and is neither in hand nor handled; how many."""
        handed = 0
        while self.offered:
            update_id, update = self.offered.popleft()
            if update_id in self.dispatched or update_id in self.handled:
                continue  # read from the inbox before it was offered
            self._queue(lane_of_update(update), update_id, update)
            handed += 1
        return handed

    def _queue(self, lane: str, update_id: int, update: Update) -> None:
        self.dispatched.add(update_id)
        self.queues.setdefault(lane, deque()).append((update_id, update))
        if lane not in self.lanes:
            self.lanes[lane] = asyncio.create_task(self._drain(lane))

    async def _drain(self, lane: str) -> None:
        """Handle the lane's updates in order; when none is left, give the lane back, unless
        more arrived meanwhile (stored here or by another instance)."""
        queue = self.queues[lane]
        try:
            while not self.stop.is_set():
                while queue and not self.stop.is_set():
                    update_id, update = queue.popleft()
                    if lane in self.stale:
                        await self._reload_flow(lane)
                    if not await self._handle(update_id, update):
                        return  # the next read queues it again: the lane stays ours
                if self.stop.is_set():
                    return  # what is left is handled at the next start, or by another
                if not self.shared:
                    return  # the dispatcher queues what comes next: no one else could
                if self._flow_under_way(lane):
                    self.idle.add(lane)  # kept, with the flow: see `idle`
                    return
                self.releasing.add(lane)
                async with self.kefu.db.unit_of_work() as session:
                    more = await inbox_lanes.release_if_idle(
                        session, self.bot_id, lane, self.holder
                    )
                self.releasing.discard(lane)
                if not more:
                    return
                for update_id, payload in more:
                    update = read_update(payload, self.application.bot)
                    if update is None:
                        await self._mark_handled(update_id)
                        continue
                    self.dispatched.add(update_id)
                    queue.append((update_id, update))
        except Exception:  # the database is away: whatever is left is read again
            logger.warning("a chat's handling paused; its updates are read again", exc_info=True)
            self.from_memory = False
        finally:
            # A lane this task did not give back is renewed no more (`_keep_lanes` keeps only
            # lanes being drained), and a later read may claim it again for its updates.
            self.releasing.discard(lane)
            for update_id, _update in queue:
                self.dispatched.discard(update_id)
            del self.queues[lane], self.lanes[lane]
            self.arrived.set()

    async def _handle(self, update_id: int, update: Update) -> bool:
        """Handle one update and mark it; False if it stays in the inbox for a retry."""
        kind, began, outcome = update_kind(update), time.perf_counter(), "retry"
        try:
            async with self.slots:
                # process_update gives handler failures to the error handler and raises nothing
                # for them: a poison update is marked and blocks nobody.
                await self.application.process_update(update)
                # What the update changed in a flow (its step, its answers) is written before
                # the update counts as handled: PTB otherwise writes it up to a second later,
                # and a kill in between would undo a step whose update is never replayed.
                await self.application.update_persistence()
                await self._mark_handled(update_id)
                outcome = "handled"
                self.handled[update_id] = None
                if len(self.handled) > MAX_OFFERED:
                    del self.handled[next(iter(self.handled))]
                return True
        except Exception:
            logger.exception("update %s stays in the inbox for a retry", update_id)
            self.from_memory = False  # the retry comes from the inbox
            return False
        finally:
            UPDATES.labels(type=kind, outcome=outcome).inc()
            UPDATE_SECONDS.labels(type=kind).observe(time.perf_counter() - began)
            self.finished.add(update_id)
            self.dispatched.discard(update_id)

    def _flow_under_way(self, lane: str) -> bool:
        key = person_of(lane)
        persistence = self.application.persistence
        return (
            key is not None
            and isinstance(persistence, DatabasePersistence)
            and persistence.under_way(key)
        )

    async def _reload_flow(self, lane: str) -> None:
        key = person_of(lane)
        persistence = self.application.persistence
        if key is not None and isinstance(persistence, DatabasePersistence):
            await persistence.reload(self.application, *key)
        self.stale.discard(lane)

    async def _mark_handled(self, update_id: int) -> None:
        await self.marks.mark(update_id)

    async def _keep_lanes(self, stop: asyncio.Event) -> None:
        """Renew the lanes held here, and free those of holders known to be dead (a crashed
        predecessor on this machine), so their updates need not wait out the lease."""
        while True:
            self.idle = {lane for lane in self.idle if self._flow_under_way(lane)}
            try:
                async with self.kefu.db.unit_of_work() as session:
                    freed = await inbox_lanes.free_lanes_of_gone(
                        session, self.bot_id, self.holder, holder_is_gone
                    )
                    await inbox_lanes.renew(
                        session,
                        self.bot_id,
                        self.holder,
                        keep=set(self.lanes) | self.claiming | self.idle,
                        ttl=LANE_TTL,
                    )
                if freed:
                    logger.info("took over %d chats left by a stopped instance", freed)
                    self.arrived.set()
            except Exception:  # the database is away: the health check says so; try again
                logger.warning("could not renew this instance's chats", exc_info=True)
            await pause(stop, RENEW_SECONDS)
            if stop.is_set():
                return

    async def _finish_lanes(self) -> None:
        """Each lane finishes the update it is on, within the grace period; one still busy
        after it (a Telegram call hanging) is cut short, and handled at the next start."""
        busy = list(self.lanes.values())
        if not busy:
            return
        _, cut = await asyncio.wait(busy, timeout=SHUTDOWN_GRACE_SECONDS)
        for task in cut:
            task.cancel()
        await asyncio.gather(*busy, return_exceptions=True)

    async def _release_all(self) -> None:
        try:
            async with self.kefu.db.unit_of_work() as session:
                await inbox_lanes.release_all(session, self.bot_id, self.holder)
        except Exception:  # they lapse by themselves
            logger.warning("could not give back this instance's chats; they lapse in %s", LANE_TTL)


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or until `stop` is set if that comes first (a shutdown ends a backoff)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
