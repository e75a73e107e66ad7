"""Polling (or a webhook) through a durable inbox, in place of PTB's Updater.

PTB's Updater confirms updates to Telegram (by polling again with a higher offset) as soon as
they are queued in memory, so a crash while handling loses them (RELIABILITY.md). Here each
batch is stored first, then confirmed by the next poll, and handled from the database; whatever
was stored but not handled when the process died is handled at the next start. Handling is
therefore at least once: an update whose handling had already taken effect when the process was
killed, before it was marked, is handled again. A webhook delivery is stored the same way, before
the 200 that tells Telegram it arrived (`accept`, called by `bot.web`).

An update's JSON is personal data (names, usernames, what was written): it is kept only until
the update is handled, when the inbox drops it and keeps the id alone, enough to recognise a
redelivery. Updates whose handling keeps failing are dropped after `KEEP_UNHANDLED`, so a
poison update does not hold someone's words for ever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Hashable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter

from bot.context import KefuApplication
from bot.metrics import UPDATE_SECONDS, UPDATES
from bot.retry import retry_after_seconds
from bot.services import Kefu
from storage import inbox
from storage.db import CONNECT_ERRORS, DatabaseUnavailable

logger = logging.getLogger("kefu.inbox")
BATCH = 100
CONCURRENCY = 16  # updates of different chats handled at once
KEEP_HANDLED = timedelta(days=2)  # Telegram may redeliver for about a day
# Every start retries what is unhandled, so a week covers an outage and a few fixed deploys; an
# update still failing after that will not succeed, and an answer a week late helps nobody.
KEEP_UNHANDLED = timedelta(days=7)
MAX_BACKOFF = 30.0
# How long a stopping Kefu lets the updates in hand finish: with the rest of the shutdown, a
# SIGTERM ends the process within 10 s, as process managers and rolling deploys expect.
SHUTDOWN_GRACE_SECONDS = 5.0
T = TypeVar("T")
DATABASE_DOWN = (DatabaseUnavailable, *CONNECT_ERRORS)


class DurableInbox:
    def __init__(self, application: KefuApplication, kefu: Kefu, *, poll_timeout: int) -> None:
        self.application = application
        self.kefu = kefu
        self.poll_timeout = poll_timeout
        self._arrived = asyncio.Event()

    @property
    def _bot_id(self) -> int:
        return self.application.bot.id

    async def run(self, stop: asyncio.Event) -> None:
        """Poll and handle until `stop` is set; stored leftovers are handled first."""
        await self.application.bot.delete_webhook()  # polling and a webhook exclude each other
        handler = asyncio.create_task(self._handle_stored(stop))
        try:
            await self._poll(stop)
        finally:
            self._arrived.set()  # let the handler see `stop`
            await handler

    async def serve(self, stop: asyncio.Event) -> None:
        """Webhook mode: handle what `accept` stores (and stored leftovers) until `stop`."""
        handler = asyncio.create_task(self._handle_stored(stop))
        try:
            await stop.wait()
        finally:
            self._arrived.set()  # let the handler see `stop`
            await handler

    async def accept(self, data: dict[str, Any]) -> bool:
        """Store one update Telegram delivered by webhook, before Telegram is told it arrived;
        False if it was stored before (a redelivery, handled once). Raises `ValueError` for
        a body that is no update."""
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as error:  # PTB raises TypeError, KeyError... for a malformed body
            raise ValueError("not an update") from error
        if update is None:
            raise ValueError("not an update")
        async with self.kefu.db.unit_of_work() as session:
            stored = await inbox.store(
                session, self._bot_id, [_incoming(update)], now=self.kefu.clock.now()
            )
        self._arrived.set()
        return stored > 0

    async def _poll(self, stop: asyncio.Event) -> None:
        offset: int | None = None
        backoff = 1.0
        while not stop.is_set():
            try:
                updates = await _until(
                    stop,
                    self.application.bot.get_updates(
                        offset=offset,
                        timeout=self.poll_timeout,
                        read_timeout=self.poll_timeout + 10,
                        allowed_updates=Update.ALL_TYPES,
                    ),
                )
            except InvalidToken:
                raise
            except RetryAfter as error:
                await _pause(stop, retry_after_seconds(error))
                continue
            except (NetworkError, Conflict) as error:  # Conflict: another poller; wait it out
                logger.warning("polling failed (%s); retrying in %.0f s", error, backoff)
                await _pause(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            if updates is None:  # stopping
                return
            backoff = 1.0
            if not updates:
                continue
            try:
                async with self.kefu.db.unit_of_work() as session:
                    await inbox.store(
                        session,
                        self._bot_id,
                        [_incoming(u) for u in updates],
                        now=self.kefu.clock.now(),
                    )
            except DATABASE_DOWN:
                # Not confirmed (the offset stays): Telegram keeps them for the next poll.
                logger.warning("could not store updates; polling again in %.0f s", backoff)
                await _pause(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            # Stored: the next poll, with this offset, tells Telegram to forget them.
            offset = updates[-1].update_id + 1
            self._arrived.set()

    async def _handle_stored(self, stop: asyncio.Event) -> None:
        """Hand stored updates to PTB: one chat's updates in order, different chats at once.

        A conversation needs its own updates one after the other; nothing needs one customer
        to wait for another, whose reply may be stuck on a slow Telegram call.
        """
        lanes: dict[Hashable, asyncio.Task[None]] = {}
        queues: dict[Hashable, deque[tuple[int, Update]]] = {}
        dispatched: set[int] = set()  # handed to a lane, not yet marked handled
        # Marked while the dispatcher was reading: its snapshot may still show them pending.
        finished: set[int] = set()
        slots = asyncio.Semaphore(CONCURRENCY)
        down_pause = 1.0  # between reads of an inbox whose database is away

        async def drain(lane: Hashable) -> None:
            queue = queues[lane]
            while queue and not stop.is_set():
                update_id, update = queue.popleft()
                kind, began, outcome = update_kind(update), time.perf_counter(), "retry"
                try:
                    async with slots:
                        # process_update gives handler failures to the error handler and raises
                        # nothing for them: a poison update is marked and blocks nobody.
                        await self.application.process_update(update)
                        # What the update changed in a flow (its step, its answers) is written
                        # before the update counts as handled: PTB otherwise writes it up to a
                        # second later, and a kill in between would undo a step whose update is
                        # never replayed.
                        await self.application.update_persistence()
                        async with self.kefu.db.unit_of_work() as session:
                            await inbox.mark_processed(
                                session, self._bot_id, update_id, now=self.kefu.clock.now()
                            )
                        outcome = "handled"
                except Exception:
                    logger.exception("update %s stays in the inbox for a retry", update_id)
                finally:
                    UPDATES.labels(type=kind, outcome=outcome).inc()
                    UPDATE_SECONDS.labels(type=kind).observe(time.perf_counter() - began)
                    finished.add(update_id)
                    dispatched.discard(update_id)
                    self._arrived.set()
            del queues[lane], lanes[lane]

        while True:
            # Cleared before looking, so a batch stored while we look still wakes us.
            self._arrived.clear()
            finished.clear()
            try:
                async with self.kefu.db.read_only() as session:
                    limit = BATCH + len(dispatched)
                    batch = await inbox.pending(session, self._bot_id, limit=limit)
            except DATABASE_DOWN:
                # Nothing is lost meanwhile: what arrives waits at Telegram (or gets a 503).
                logger.warning("could not read the inbox; trying again in %.0f s", down_pause)
                await _pause(stop, down_pause)
                down_pause = min(down_pause * 2, MAX_BACKOFF)
                if stop.is_set():
                    break
                continue
            down_pause = 1.0
            taken = dispatched | finished
            fresh = [
                (update_id, payload) for update_id, payload in batch if update_id not in taken
            ]
            if stop.is_set() or not fresh:
                if stop.is_set():
                    break  # what is not handled yet is handled at the next start
                await self._arrived.wait()
                continue
            for update_id, payload in fresh:
                update = _read(payload, self.application.bot)
                if update is None:  # nothing to handle, now or at any retry: set it aside
                    logger.warning("update %s has no readable payload; set aside", update_id)
                    async with self.kefu.db.unit_of_work() as session:
                        await inbox.mark_processed(
                            session, self._bot_id, update_id, now=self.kefu.clock.now()
                        )
                    continue
                lane = _lane_of(update)
                dispatched.add(update_id)
                queues.setdefault(lane, deque()).append((update_id, update))
                if lane not in lanes:
                    lanes[lane] = asyncio.create_task(drain(lane))
        # Stopping: each lane finishes the update it is on, within the grace period; one still
        # busy after it (a Telegram call hanging) is cut short, and handled at the next start.
        busy = list(lanes.values())
        if busy:
            _, cut = await asyncio.wait(busy, timeout=SHUTDOWN_GRACE_SECONDS)
            for lane_task in cut:
                lane_task.cancel()
            await asyncio.gather(*busy, return_exceptions=True)
        await self._log_what_is_left()

    async def _log_what_is_left(self) -> None:
        try:
            async with self.kefu.db.read_only() as session:
                left = await inbox.backlog(session, self._bot_id)
        except Exception:  # stopping because the database went away: nothing more to say
            logger.warning("stopped; could not count the updates left in the inbox")
            return
        # A warning when something is left: someone waits for its answer until the next start.
        logger.log(
            logging.WARNING if left else logging.INFO,
            "stopped; %d updates left in the inbox for the next start",
            left,
            extra={"fields": {"unhandled": left}},
        )

    async def forget_old(self) -> None:
        """Drop handled rows after the redelivery window and unhandled ones after a week."""
        now = self.kefu.clock.now()
        async with self.kefu.db.unit_of_work() as session:
            await inbox.forget_processed_before(session, now - KEEP_HANDLED)
            dropped = await inbox.drop_unhandled_before(session, now - KEEP_UNHANDLED)
        if dropped:
            logger.warning(
                "dropped %d inbox updates still unhandled after %d days",
                dropped,
                KEEP_UNHANDLED.days,
            )


async def _until(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """The result of `work`, or None if `stop` is set first (then `work` is cancelled)."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return None


def _incoming(update: Update) -> inbox.Incoming:
    user = update.effective_user
    return inbox.Incoming(
        update.update_id, user.id if user else None, json.dumps(update.to_dict())
    )


def _read(payload: str | None, bot: Bot) -> Update | None:
    """The stored update, or None if its payload is gone or cannot be read."""
    if payload is None:
        return None
    try:
        data = json.loads(payload)
        if "\\u0000" in payload:
            data = _without_nul(data)
        return Update.de_json(data, bot)
    except Exception:  # not logged: the error's text may quote the payload
        return None


def _without_nul(value: Any) -> Any:
    """The update with NUL characters taken out of its texts: they show as nothing in
    Telegram, and PostgreSQL cannot store them in text, so a message carrying one would fail
    every time it was handled."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    return value


def update_kind(update: Update) -> str:
    """What the update carries ("message", "callback_query", ...), for the metrics."""
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def _lane_of(update: Update) -> Hashable:
    """Updates of one person in one chat share a lane (PTB's conversation key)."""
    chat, user = update.effective_chat, update.effective_user
    return (chat.id if chat else None, user.id if user else None)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
