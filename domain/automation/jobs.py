"""`automation:rules`: evaluate the triggers recorded since the last scan, then send what the
rules' actions queued. Scheduled only when rules are configured."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.ext import CallbackContext, JobQueue

from bot.instance import exclusive_job
from bot.services import Kefu
from domain.automation.engine import Fired, evaluate_due
from domain.automation.sends import send_due
from domain.automation.triggers import marking_hook
from domain.sla.alerts import deliver_soon
from storage import automation

logger = logging.getLogger("kefu.automation")

SCAN_SECONDS = 1  # a rule's priority or assignee shows on the card within a couple of seconds
JOB = "automation:rules"


def install(kefu: Kefu) -> bool:
    """Mark the rules' triggers as they are recorded; False when no rule is configured."""
    if not kefu.config.automation.rules:
        return False
    kefu.db.on_new_event = marking_hook(
        kefu.config.automation, low_score=kefu.config.surveys.low_score_threshold
    )
    return True


async def run(bot: Bot, kefu: Kefu, job_queue: JobQueue | None = None) -> Fired:
    """One scan: what the rules did."""
    async with kefu.db.read_only() as session:
        if not await automation.any_due(session, now=kefu.clock.now()):
            return Fired()  # the usual case: no write transaction (SQLite's lock) every second
    fired = await evaluate_due(kefu)
    if fired.emergencies:
        deliver_soon(job_queue)  # an emergency's alert goes now, not at the next SLA scan
    await send_due(bot, kefu)
    return fired


@exclusive_job("automation:scan")
async def scan_job(context: CallbackContext) -> None:
    kefu: Kefu = context.bot_data.kefu
    try:
        await run(context.bot, kefu, context.job_queue)
    except Exception:
        logger.exception("automation rules failed; the next scan retries")


def schedule_jobs(job_queue: JobQueue, kefu: Kefu) -> None:
    if install(kefu):
        job_queue.run_repeating(scan_job, interval=SCAN_SECONDS, first=SCAN_SECONDS, name=JOB)
