"""`GET /healthz`: whether this instance can do its work.

Three checks, each named in the JSON body so a failing one says what to look at:
- `database`: a trivial query answers within `DATABASE_TIMEOUT`;
- `inbox`: fewer than `MAX_BACKLOG` updates wait to be handled (more means handling is stuck or
  far behind, and customers wait);
- `jobs`: the job queue ran the heartbeat within `MAX_TICK_AGE` (SLA alerts, surveys,
  campaigns and reports all run on it).

The heartbeat also refreshes the gauges that need the database (`bot.metrics`), so a scrape
never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from telegram.ext import CallbackContext, JobQueue

from bot.metrics import INBOX_BACKLOG, TICKETS
from bot.services import Kefu
from storage import inbox, tickets

logger = logging.getLogger("kefu.health")

DATABASE_TIMEOUT = 3.0
MAX_BACKLOG = 1000
HEARTBEAT_SECONDS = 10
MAX_TICK_AGE = 6 * HEARTBEAT_SECONDS


class Health:
    def __init__(self, kefu: Kefu, bot_id: int) -> None:
        self.kefu = kefu
        self.bot_id = bot_id
        self.started = time.monotonic()
        self.last_tick: float | None = None

    async def check(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, the checks as the JSON body shows them)."""
        checks: dict[str, Any] = {}
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT):
                async with self.kefu.db.read_only() as session:
                    waiting = await inbox.backlog(session, self.bot_id)
            checks["database"] = {"ok": True}
            checks["inbox"] = {"ok": waiting < MAX_BACKLOG, "backlog": waiting}
        except Exception as error:  # any failure at all is an unhealthy database
            checks["database"] = {"ok": False, "error": type(error).__name__}
            checks["inbox"] = {"ok": False, "error": "database unavailable"}
        # Before the first heartbeat, the start counts as one: a new instance is not stuck.
        age = time.monotonic() - (self.last_tick or self.started)
        checks["jobs"] = {"ok": age < MAX_TICK_AGE, "seconds_since_heartbeat": round(age, 1)}
        return all(check["ok"] for check in checks.values()), checks

    async def heartbeat(self, _context: CallbackContext | None = None) -> None:
        self.last_tick = time.monotonic()  # first: a database outage is not a stuck job queue
        try:
            async with self.kefu.db.read_only() as session:
                INBOX_BACKLOG.set(await inbox.backlog(session, self.bot_id))
                for status, count in (await tickets.count_by_status(session)).items():
                    TICKETS.labels(status=status.value).set(count)
        except Exception:  # the health check reports it; the gauges wait
            logger.warning("could not refresh the metrics from the database", exc_info=True)

    def schedule(self, job_queue: JobQueue) -> None:
        job_queue.run_repeating(
            self.heartbeat, interval=HEARTBEAT_SECONDS, first=0.1, name="health:heartbeat"
        )
