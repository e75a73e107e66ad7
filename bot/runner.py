"""Runs the bot until asked to stop: polling through the durable inbox, clean shutdown."""

from __future__ import annotations

import asyncio
import logging

from bot.app import build_application, on_startup
from bot.inbox import DurableInbox
from bot.services import Kefu
from domain.desk import jobs as desk_jobs
from domain.reports import delivery as report_delivery

logger = logging.getLogger("kefu")
FORGET_EVERY = 3600.0  # seconds between clean-ups of handled inbox rows


async def run_polling(
    kefu: Kefu,
    token: str,
    stop: asyncio.Event,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    poll_timeout: int = 10,
    ready: asyncio.Event | None = None,
) -> None:
    application = build_application(
        kefu,
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        rate_limit=kefu.settings.rate_limit,
    )
    updates = DurableInbox(application, kefu, poll_timeout=poll_timeout)
    async with application:
        await on_startup(application)
        await application.start()
        await desk_jobs.recover(application.bot, kefu)
        # A scheduled report that came due while Kefu was down goes out now, beside the updates.
        application.create_task(report_delivery.send_due(application.bot, kefu))
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            lambda _context: updates.forget_old(),
            FORGET_EVERY,
            first=FORGET_EVERY,
            name="inbox:forget_old",
        )
        logger.info("Kefu is running", extra={"fields": {"bot": application.bot.username}})
        if ready is not None:
            ready.set()
        try:
            await updates.run(stop)
        finally:
            await application.stop()
            await kefu.db.dispose()
