"""The campaigns' background work: one outbox sender per process, and `campaigns:tick` every
2 s to begin due campaign runs, end finished ones, keep the sender busy and the admins' status
messages up to date (`domain.campaigns.schedule`)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.services import Kefu
from domain.campaigns import runtime, schedule
from domain.campaigns.sender import DEFAULT_CONCURRENCY, DEFAULT_RATE, CampaignSender


def install(
    application: Application[Any, Any, Any, Any, Any, Any],
    kefu: Kefu,
    *,
    rate: float = DEFAULT_RATE,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> None:
    """Start the campaign sender with the application; `rate` is its messages/s."""
    runtime.register(kefu, CampaignSender(application, kefu, rate=rate, concurrency=concurrency))
    jobs = application.job_queue
    if jobs is None:
        raise RuntimeError("campaigns need PTB's JobQueue: install python-telegram-bot[job-queue]")
    jobs.run_repeating(
        schedule.tick, interval=schedule.TICK_SECONDS, first=1, name="campaigns:tick"
    )
