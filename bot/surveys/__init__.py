"""Satisfaction surveys after resolved tickets, and survey campaigns for admins.

`install(application, kefu)` registers the background work with PTB's JobQueue:

- `surveys:csat` every 30 s: send the surveys of tickets resolved `csat_delay_minutes` ago,
  and any low-score alert a crash kept from going out (`bot.surveys.csat`);
- `campaigns:tick` every 2 s: begin due campaign runs, end finished ones, keep the outbox sender
  busy and the admins' status messages up to date (`bot.surveys.schedule`).

The customers' and admins' buttons are in `handlers.surveys`, `handlers.campaigns` (the
/campaign flow) and `handlers.campaign_admin` (/campaigns).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.services import Kefu
from bot.surveys import csat, runtime, schedule
from bot.surveys.sender import DEFAULT_CONCURRENCY, DEFAULT_RATE, CampaignSender


def install(
    application: Application[Any, Any, Any, Any, Any, Any],
    kefu: Kefu,
    *,
    rate: float = DEFAULT_RATE,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> None:
    """Register the survey and campaign jobs; `rate` is the campaign sender's messages/s."""
    runtime.register(kefu, CampaignSender(application, kefu, rate=rate, concurrency=concurrency))
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError("surveys need PTB's JobQueue: install python-telegram-bot[job-queue]")
    jobs.run_repeating(
        csat.scan_job, interval=csat.SCAN_INTERVAL_SECONDS, first=5, name="surveys:csat"
    )
    jobs.run_repeating(
        schedule.tick, interval=schedule.TICK_SECONDS, first=1, name="campaigns:tick"
    )
