"""The daily job that keeps the privacy promise of `[privacy] retention_days`."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import ContextTypes, JobQueue

from bot.services import Kefu
from storage import retention

logger = logging.getLogger("kefu.retention")
DAILY = timedelta(days=1)


async def erase_expired(kefu: Kefu) -> int:
    days = kefu.config.privacy.retention_days
    if days == 0:  # kept until the customer asks for erasure (/privacy, Decline)
        return 0
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        erased = await retention.erase_expired(
            session, closed_before=now - timedelta(days=days), now=now
        )
    if erased:
        logger.info("personal data erased from %d closed tickets", erased)
    return erased


def schedule_jobs(job_queue: JobQueue, kefu: Kefu) -> None:
    async def run(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await erase_expired(kefu)

    job_queue.run_repeating(run, DAILY, first=timedelta(minutes=1), name="privacy:retention")
