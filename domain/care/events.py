"""Care and training events: announcing one, and the reminder scan.

`announce` writes the event and its announcement's outbox rows in one transaction, then wakes
the campaign sender, which sends them within Telegram's limits, once per recipient, resuming
after a crash (`domain.campaigns.sender`, worded by `domain.care.event_messages`).

`care:events` runs at start-up and every `SCAN_SECONDS`: it claims, in the database, each
event starting within `[care] event_reminder_hours` whose reminder was not yet queued, writes
one reminder row per registered customer (`storage.care_events.queue_reminders`) and wakes the
sender. The claim is a column on the event, so a restart or a second instance never queues a
second reminder.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram.ext import CallbackContext, JobQueue

from bot.instance import exclusive_job
from bot.services import Kefu
from domain.campaigns import runtime
from storage import care_events
from storage.campaigns import Audience

logger = logging.getLogger("kefu.care")

SCAN_SECONDS = 60


async def announce(
    kefu: Kefu,
    *,
    title: dict[str, str],
    text: dict[str, str],
    starts_at: datetime,
    place: str,
    capacity: int,
    audience: Audience,
    created_by: int,
) -> tuple[int, int]:
    """The new event's id and how many customers its announcement goes to."""
    async with kefu.db.unit_of_work() as session:
        event, reach = await care_events.announce(
            session,
            title=title,
            text=text,
            starts_at=starts_at,
            place=place,
            capacity=capacity,
            audience=audience,
            created_by=created_by,
            now=kefu.clock.now(),
        )
        event_id = event.id
    runtime.wake(kefu)
    return event_id, reach


async def queue_due_reminders(kefu: Kefu) -> int:
    """Queue the reminders that came due and wake the sender; how many events were claimed."""
    before = timedelta(hours=kefu.config.care.event_reminder_hours)
    async with kefu.db.unit_of_work() as session:
        claimed = await care_events.queue_reminders(session, now=kefu.clock.now(), before=before)
    if claimed:
        runtime.wake(kefu)
    return len(claimed)


@exclusive_job("care:events")
async def scan_job(context: CallbackContext) -> None:
    """Job: queue the event reminders that came due."""
    kefu: Kefu = context.bot_data.kefu
    try:
        await queue_due_reminders(kefu)
    except Exception:
        logger.exception("queueing event reminders failed; will retry")


def schedule_jobs(jobs: JobQueue) -> None:
    # At start-up too: a repeating job's first run would wait a whole interval (RELIABILITY.md).
    jobs.run_once(scan_job, when=0, name="care:events:start")
    jobs.run_repeating(scan_job, interval=SCAN_SECONDS, first=SCAN_SECONDS, name="care:events")
