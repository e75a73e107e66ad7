"""Runs the bot until asked to stop: polling, with a clean shutdown."""

from __future__ import annotations

import asyncio
import logging

from bot.app import build_application, on_startup
from bot.services import Kefu

logger = logging.getLogger("kefu")


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
    application = build_application(kefu, token, base_url=base_url, base_file_url=base_file_url)
    async with application:
        await on_startup(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0, timeout=poll_timeout, drop_pending_updates=False
        )
        logger.info("Kefu is running", extra={"fields": {"bot": application.bot.username}})
        if ready is not None:
            ready.set()
        try:
            await stop.wait()
        finally:
            await application.updater.stop()
            await application.stop()
            await kefu.db.dispose()
