"""The daily job that keeps the privacy promise of `[privacy] retention_days`.

A closed ticket past the period is anonymised exactly as an erasure on request does for that
ticket (`storage.retention`), and its topic and card say so, as they do after `/forget`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.ext import ContextTypes, JobQueue

from bot.instance import run_exclusively
from bot.services import Kefu
from domain.desk import topics
from storage import retention

logger = logging.getLogger("kefu.retention")
DAILY = timedelta(days=1)


async def erase_expired(kefu: Kefu, bot: Bot) -> int:
    """Anonymise what the retention period has passed, then tell the tickets' topics; how many
    tickets."""
    days = kefu.config.privacy.retention_days
    if days == 0:  # kept until the customer asks for erasure (/forget, or withdrawal)
        return 0
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        erased = await retention.erase_expired(
            session, closed_before=now - timedelta(days=days), now=now
        )
    if erased:
        logger.info("personal data erased from %d closed tickets", len(erased))
    await topics.show_erased(bot, kefu, erased)
    return len(erased)


def schedule_jobs(job_queue: JobQueue, kefu: Kefu) -> None:
    async def run(context: ContextTypes.DEFAULT_TYPE) -> None:
        await run_exclusively(kefu, "privacy:retention", lambda: erase_expired(kefu, context.bot))

    job_queue.run_repeating(run, DAILY, first=timedelta(minutes=1), name="privacy:retention")
