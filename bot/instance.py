"""This Kefu process among others on one database: who it is, the polling it alone may do, and
the scheduled jobs one instance at a time runs.

Several instances share one PostgreSQL database; a SQLite file serves one instance, which holds
the lease `instance:<bot id>` so that a second one refuses to start (`AnotherInstance`).
On PostgreSQL, instances share the inbox chat by chat (`bot.lanes`), and two things need more:
- **Polling.** Telegram hands updates to one poller (a second gets Conflict), so a polling
  instance holds the lease `poller:<bot id>`, and a second one refuses to start: several
  instances run with `--webhook`. Nor do the two modes mix: a poller deletes the webhook the
  others take updates by, and a webhook instance's `setWebhook` ends the poller's updates. So
  each webhook instance holds a lease of its own, `webhook:<bot id>:<nonce>`, and an instance
  refuses to start while the other mode's leases are held.
- **Scheduled jobs.** Each instance schedules every job, and a run first takes the job's lease
  (`job:<name>`), so a job runs on one instance at a time. What a job does was built to resume
  after a crash: it claims its work in the database (an alert row, an outbox row, a period), so
  runs one after another on different instances do each thing once, like runs before and after
  a restart.

A lease is renewed while its holder works and lapses `TTL` after its last renewal. A holder
that died is recognised at once when it ran on this machine (its pid is gone, or is this
process's own: a restarted container), so a restart need not wait out its predecessor's lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from storage import leases
from storage.models import Lease

if TYPE_CHECKING:  # the CLI imports this module for `AnotherInstance`: keep it light
    from telegram.ext import CallbackContext, JobQueue

    from bot.services import Kefu

logger = logging.getLogger("kefu.instance")

TTL = timedelta(seconds=30)
RENEW_EVERY = 10.0  # seconds: two renewals may fail before the lease lapses
T = TypeVar("T")
# (Kefu, lease) -> runs of it under way in this process, and the task renewing its lease.
_local_runs: dict[tuple[int, str], tuple[int, asyncio.Task[None]]] = {}


@functools.cache
def this_instance() -> str:
    """This process's name in leases: "host:pid:nonce" (the nonce tells a reused pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def shares_the_database(kefu: Kefu) -> bool:
    """Whether other instances may run on this database: on PostgreSQL. A SQLite file serves
    one instance (`ExclusiveLease`), which then needs no lease for its chats or its jobs."""
    return kefu.db.dialect == "postgresql"


class AnotherInstance(Exception):
    """Another live Kefu process holds what this one needs to run alone."""

    def __init__(self, lease: Lease, why: str) -> None:
        self.lease = lease
        super().__init__(
            f"another Kefu instance ({lease.holder.rsplit(':', 1)[0]}) runs on this database, "
            f"since {lease.acquired_at:%Y-%m-%d %H:%M:%S} UTC, and {why}. Stop it first (if it "
            f"died on another machine, its claim lapses {int(TTL.total_seconds())} s after "
            "its last sign of life)."
        )


class ExclusiveLease:
    """How this instance takes the bot's updates, held against the instances it cannot run
    beside: a second poller, a poller beside webhook instances (or the reverse), and a second
    instance of any kind on SQLite."""

    def __init__(
        self,
        kefu: Kefu,
        bot_id: int,
        name: str,
        why: str,
        *,
        conflicting: str | None = None,
        why_conflicting: str = "",
    ) -> None:
        self.kefu, self.bot_id, self.name, self.why = kefu, bot_id, name, why
        # The leases (an SQL pattern) of instances this one cannot run beside, besides `name`.
        self.conflicting, self.why_conflicting = conflicting, why_conflicting

    @classmethod
    def needed(cls, kefu: Kefu, bot_id: int, *, polling: bool) -> ExclusiveLease:
        if not shares_the_database(kefu):
            why = "a SQLite database serves one instance (several share a PostgreSQL one)"
            return cls(kefu, bot_id, f"instance:{bot_id}", why)
        if polling:
            why = (
                "it polls this bot, and Telegram hands a bot's updates to one poller (several "
                "instances run with --webhook)"
            )
            webhooks = (
                "it takes this bot's updates by webhook, which polling would delete: run every "
                "instance with --webhook, or stop the others first"
            )
            return cls(
                kefu,
                bot_id,
                f"poller:{bot_id}",
                why,
                conflicting=f"webhook:{bot_id}:%",
                why_conflicting=webhooks,
            )
        nonce = this_instance().rsplit(":", 1)[-1]
        poller = (
            "it polls this bot, and setting a webhook would end its updates: run every "
            "instance with --webhook, or stop it first"
        )
        return cls(
            kefu,
            bot_id,
            f"webhook:{bot_id}:{nonce}",
            poller,
            conflicting=f"poller:{bot_id}",
            why_conflicting=poller,
        )

    async def acquire(self) -> None:
        """Take it, or raise `AnotherInstance`."""
        async with self.kefu.db.unit_of_work() as session:
            # Two instances of different modes starting together: one sees the other's lease.
            await leases.lock_claims(session, self.bot_id)
            if self.conflicting is not None:
                other = await leases.held_by_others(
                    session, self.conflicting, this_instance(), holder_is_gone=holder_is_gone
                )
                if other is not None:
                    raise AnotherInstance(other, self.why_conflicting)
            held = await leases.claim(
                session, self.name, this_instance(), ttl=TTL, holder_is_gone=holder_is_gone
            )
        if held is not None:
            raise AnotherInstance(held, self.why)

    async def renew(self, _context: CallbackContext | None = None) -> None:
        if not await _renew(self.kefu, self.name):
            logger.error("another instance took over %s: this one was stalled", self.name)

    async def release(self) -> None:
        await _release(self.kefu, self.name)

    def schedule(self, job_queue: JobQueue) -> None:
        job_queue.run_repeating(
            self.renew, interval=RENEW_EVERY, first=RENEW_EVERY, name="instance:lease"
        )


async def run_exclusively(kefu: Kefu, job: str, work: Callable[[], Awaitable[T]]) -> T | None:
    """`work()` if no other instance is running `job` now (None otherwise): its lease is held,
    and renewed, for as long as the work runs, and given back after it."""
    if not shares_the_database(kefu):
        return await work()  # the only instance: its jobs' own locks order its runs
    name = f"job:{job}"
    key = (id(kefu), name)
    if key not in _local_runs:  # runs of this process overlap as they always did (the jobs'
        async with kefu.db.unit_of_work() as session:  # own locks order them): one lease
            held = await leases.claim(
                session, name, this_instance(), ttl=TTL, holder_is_gone=holder_is_gone
            )
        if held is not None:
            return None
        _local_runs[key] = (0, asyncio.create_task(_keep_renewed(kefu, name)))
    count, renewing = _local_runs[key]
    _local_runs[key] = (count + 1, renewing)
    try:
        return await work()
    finally:
        count, renewing = _local_runs[key]
        if count > 1:
            _local_runs[key] = (count - 1, renewing)
        else:
            del _local_runs[key]
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            await _release(kefu, name)


def exclusive_job(
    job: str,
) -> Callable[[Callable[[CallbackContext], Awaitable[None]]], Callable[..., Awaitable[None]]]:
    """A PTB job callback that runs on one instance at a time (`run_exclusively`); a run that
    finds another instance at it is skipped, the next interval tries again."""

    def wrap(
        callback: Callable[[CallbackContext], Awaitable[None]],
    ) -> Callable[[CallbackContext], Awaitable[None]]:
        @functools.wraps(callback)
        async def exclusive(context: CallbackContext) -> None:
            kefu: Kefu = context.bot_data.kefu
            await run_exclusively(kefu, job, lambda: callback(context))

        return exclusive

    return wrap


async def _keep_renewed(kefu: Kefu, name: str) -> None:
    while True:
        await asyncio.sleep(RENEW_EVERY)  # a timer, not a synchronisation: renewal is periodic
        if not await _renew(kefu, name):
            logger.error("lost the lease %s while holding it: this instance was stalled", name)
            return


async def _renew(kefu: Kefu, name: str) -> bool:
    try:
        async with kefu.db.unit_of_work() as session:
            return await leases.renew(session, name, this_instance(), ttl=TTL)
    except Exception:  # the database is away: the health check says so; try again
        logger.warning("could not renew the lease %s", name, exc_info=True)
        return True


async def _release(kefu: Kefu, name: str) -> None:
    try:
        async with kefu.db.unit_of_work() as session:
            await leases.release(session, name, this_instance())
    except Exception:  # it lapses by itself
        logger.warning("could not release the lease %s; it lapses in %s", name, TTL)


def holder_is_gone(holder: str) -> bool:
    """Whether `holder` ("host:pid:nonce") was a process of this machine that is no more."""
    if holder == this_instance():
        return False
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine's: only its lease's lapse tells
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # a process before this one with the same pid: a restarted container
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False
