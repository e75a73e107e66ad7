"""Polling (or a webhook) through a durable inbox, in place of PTB's Updater.

PTB's Updater confirms updates to Telegram (by polling again with a higher offset) as soon as
they are queued in memory, so a crash while handling loses them (RELIABILITY.md). Here each
batch is stored first, then confirmed by the next poll, and handled from the database; whatever
was stored but not handled when the process died is handled at the next start. Handling is
therefore at least once: an update whose handling had already taken effect when the process was
killed, before it was marked, is handled again. A webhook delivery is stored the same way, before
the 200 that tells Telegram it arrived (`accept`, called by `bot.web`). Several instances
share one inbox: `bot.lanes` hands each chat's updates to one of them at a time, in order.

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
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter

from bot.context import KefuApplication
from bot.lanes import DATABASE_DOWN, MAX_BACKOFF, Dispatcher, pause
from bot.retry import retry_after_seconds
from bot.services import Kefu
from bot.updates import as_stored, lane_of_update
from storage import inbox

logger = logging.getLogger("kefu.inbox")
KEEP_HANDLED = timedelta(days=2)  # Telegram may redeliver for about a day
# Every start retries what is unhandled, so a week covers an outage and a few fixed deploys; an
# update still failing after that will not succeed, and an answer a week late helps nobody.
KEEP_UNHANDLED = timedelta(days=7)
T = TypeVar("T")


class DurableInbox:
    def __init__(self, application: KefuApplication, kefu: Kefu, *, poll_timeout: int) -> None:
        self.application = application
        self.kefu = kefu
        self.poll_timeout = poll_timeout
        self._arrived = asyncio.Event()
        self.dispatcher = Dispatcher(application, kefu, self._arrived)

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
        incoming = [_incoming(update)]
        async with self.kefu.db.core_transaction() as connection:
            stored = await inbox.store_new(
                connection, self._bot_id, incoming, now=self.kefu.clock.now()
            )
        self._offer(incoming, {update.update_id: update}, set(stored))
        return bool(stored)

    def _offer(
        self, incoming: list[inbox.Incoming], updates: dict[int, Update], stored: set[int]
    ) -> None:
        """Hand the updates just stored to the dispatcher, as they were stored."""
        bot = self.application.bot
        self.dispatcher.offer(
            [
                (row.update_id, as_stored(updates[row.update_id], row.payload, bot))
                for row in incoming
                if row.update_id in stored
            ]
        )

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
                await pause(stop, retry_after_seconds(error))
                continue
            except (NetworkError, Conflict) as error:  # Conflict: another poller; wait it out
                logger.warning("polling failed (%s); retrying in %.0f s", error, backoff)
                await pause(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            if updates is None:  # stopping
                return
            backoff = 1.0
            if not updates:
                continue
            incoming = [_incoming(u) for u in updates]
            try:
                async with self.kefu.db.core_transaction() as connection:
                    stored = await inbox.store_new(
                        connection, self._bot_id, incoming, now=self.kefu.clock.now()
                    )
            except DATABASE_DOWN:
                # Not confirmed (the offset stays): Telegram keeps them for the next poll.
                logger.warning("could not store updates; polling again in %.0f s", backoff)
                await pause(stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            # Stored: the next poll, with this offset, tells Telegram to forget them.
            offset = updates[-1].update_id + 1
            self._offer(incoming, {u.update_id: u for u in updates}, set(stored))

    async def _handle_stored(self, stop: asyncio.Event) -> None:
        await self.dispatcher.run(stop)
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
        update.update_id,
        user.id if user else None,
        json.dumps(update.to_dict()),
        lane_of_update(update),
    )
