"""The campaigns' clock: runs begin when due, end when sent, and status messages follow.

`tick` runs every `TICK_SECONDS`. Everything it acts on is in the database, so after a restart
the first tick picks up where the last process stopped: due runs begin, and the sender drains
whatever is still queued.
"""

from __future__ import annotations

import calendar
import logging
from datetime import datetime

from telegram.ext import CallbackContext

from bot.instance import run_exclusively
from bot.services import Kefu
from domain.campaigns import runtime, status
from storage import campaigns
from storage.survey_models import Campaign, CampaignStatus, Repeat

logger = logging.getLogger("kefu.campaigns")

TICK_SECONDS = 2.0
QUARTER_MONTHS = 3


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the month's last day if it is shorter."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_quarterly_run(previous: datetime, now: datetime) -> datetime:
    """Three months after `previous`, skipping any quarter that passed while Kefu was down."""
    quarters = 1
    following = add_months(previous, QUARTER_MONTHS)
    while following <= now:
        quarters += 1
        following = add_months(previous, QUARTER_MONTHS * quarters)
    return following


def _next_run(campaign: Campaign, now: datetime) -> datetime | None:
    if campaign.repeat != Repeat.QUARTERLY or campaign.next_run_at is None:
        return None
    return next_quarterly_run(campaign.next_run_at, now)


async def start_due_runs(kefu: Kefu) -> list[int]:
    """Begin the runs that are due; the campaigns started."""
    now = kefu.clock.now()
    async with kefu.db.read_only() as session:
        due = await campaigns.due(session, now=now)
    started = []
    for campaign_id in due:
        async with kefu.db.unit_of_work() as session:
            campaign = await campaigns.get(session, campaign_id, for_update=True)
            # Another instance may have started it meanwhile.
            if campaign is None or campaign.status != CampaignStatus.SCHEDULED:
                continue
            if campaign.next_run_at is None or campaign.next_run_at > now:
                continue
            await campaigns.start_run(
                session, campaign, now=now, next_run_at=_next_run(campaign, now)
            )
        started.append(campaign_id)
    return started


async def run_once(kefu: Kefu) -> None:
    if await start_due_runs(kefu):
        runtime.wake(kefu)
    async with kefu.db.unit_of_work() as session:
        await campaigns.finish_idle_runs(session, now=kefu.clock.now())
    runtime.wake(kefu)  # anything still queued: after a restart, a retry, a resume


async def tick(context: CallbackContext) -> None:
    """Job: start due runs, finish sent ones, keep the sender busy, update status messages."""
    kefu: Kefu = context.bot_data.kefu
    try:
        await run_once(kefu)  # every instance: each one's sender shares the outbox
        # One instance edits the status messages: two would race to the same edits.
        await run_exclusively(
            kefu, "campaigns:status", lambda: status.refresh_all(context.bot, kefu)
        )
    except Exception:
        logger.exception("campaign tick failed; will retry")
