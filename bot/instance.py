"""One Kefu process per bot inbox, for now: the lease that makes a second one refuse to start.

Every instance handles whatever the inbox holds, so two on one database would handle the same
updates twice (and Telegram lets only one of them poll). Until instances share the inbox by
chat, the inbox is leased (`storage.leases`): the running instance renews it every
`RENEW_EVERY`, and one that finds it held by a live other stops with `AnotherInstance`. A
holder that died is recognised at once when it ran on this machine (its pid is gone, or is the
new process's own: a restarted container), and otherwise when its lease lapses after `TTL`.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from storage import leases
from storage.models import Lease

if TYPE_CHECKING:  # the CLI imports this module for `AnotherInstance`: keep it light
    from telegram.ext import CallbackContext, JobQueue

    from bot.services import Kefu

logger = logging.getLogger("kefu.instance")

TTL = timedelta(seconds=30)
RENEW_EVERY = 10.0  # seconds: two renewals may fail before the lease lapses


class AnotherInstance(Exception):
    """Another live Kefu process takes this bot's updates from this database."""

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        super().__init__(
            f"another Kefu instance ({lease.holder.rsplit(':', 1)[0]}) takes this bot's "
            f"updates on this database, since {lease.acquired_at:%Y-%m-%d %H:%M:%S} UTC. "
            "Stop it first: one instance handles a bot's inbox (if it died on another "
            f"machine, its claim lapses {int(TTL.total_seconds())} s after its last sign of life)."
        )


class InboxLease:
    def __init__(self, kefu: Kefu, bot_id: int) -> None:
        self.kefu = kefu
        self.name = f"inbox:{bot_id}"
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def acquire(self) -> None:
        """Take the inbox, or raise `AnotherInstance`."""
        async with self.kefu.db.unit_of_work() as session:
            held = await leases.claim(
                session,
                self.name,
                self.holder,
                now=self.kefu.clock.now(),
                ttl=TTL,
                holder_is_gone=holder_is_gone,
            )
        if held is not None:
            raise AnotherInstance(held)

    async def renew(self, _context: CallbackContext | None = None) -> None:
        try:
            async with self.kefu.db.unit_of_work() as session:
                kept = await leases.renew(
                    session, self.name, self.holder, now=self.kefu.clock.now(), ttl=TTL
                )
        except Exception:  # the database is away: the health check says so; try again
            logger.warning("could not renew the inbox lease", exc_info=True)
            return
        if not kept:
            logger.error("another instance took over this bot's inbox: this one was stalled")

    async def release(self) -> None:
        try:
            async with self.kefu.db.unit_of_work() as session:
                await leases.release(session, self.name, self.holder)
        except Exception:  # it lapses by itself
            logger.warning("could not release the inbox lease; it lapses in %s", TTL)

    def schedule(self, job_queue: JobQueue) -> None:
        job_queue.run_repeating(
            self.renew, interval=RENEW_EVERY, first=RENEW_EVERY, name="instance:lease"
        )


def holder_is_gone(holder: str) -> bool:
    """Whether `holder` ("host:pid:nonce") was a process of this machine that is no more."""
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
