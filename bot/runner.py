"""Runs the bot until asked to stop: polling or a webhook, through the durable inbox, with a
clean shutdown.

Both modes share everything but where updates come from: the inbox handles what is stored, the
jobs run on PTB's job queue, and `/healthz` and `/metrics` are served (always in webhook mode,
in polling mode when KEFU_LISTEN is set). A webhook stays set at shutdown, so Telegram keeps
the updates that arrive meanwhile for the next start (or for another instance).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from telegram import Update

from bot.app import build_application, on_startup
from bot.context import KefuApplication
from bot.health import Health
from bot.inbox import DurableInbox
from bot.instance import ExclusiveLease, run_exclusively
from bot.services import Kefu
from bot.shared_budget import Budgets
from domain.desk import jobs as desk_jobs
from domain.reports import delivery as report_delivery

if TYPE_CHECKING:
    from aiohttp import web
    from redis.asyncio import Redis

logger = logging.getLogger("kefu")
FORGET_EVERY = 3600.0  # seconds between clean-ups of handled inbox rows


@dataclass(frozen=True)
class Webhook:
    """Where Telegram delivers (`url`, the public address that reaches `WEBHOOK_PATH`)."""

    url: str
    secret: str
    max_connections: int = 40


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
    running = _running(
        kefu, token, base_url, base_file_url, polling=True, poll_timeout=poll_timeout
    )
    async with running as (application, updates):
        # /healthz and /metrics only when asked for: else no heartbeat queries every 10 s.
        listen = kefu.settings.listen_address if kefu.settings.listen else None
        app = None
        if listen is not None:
            from bot.web import build_web_app  # aiohttp: a fifth of a second at start

            app = build_web_app(_health(application))
        async with _serving(app, listen):
            logger.info("Kefu is running", extra={"fields": {"bot": application.bot.username}})
            if ready is not None:
                ready.set()
            await updates.run(stop)


async def run_webhook(
    kefu: Kefu,
    token: str,
    stop: asyncio.Event,
    webhook: Webhook,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    running = _running(kefu, token, base_url, base_file_url, polling=False)
    async with running as (application, updates):
        from bot.web import build_web_app

        app = build_web_app(_health(application), updates, webhook.secret)
        handling = asyncio.Event()  # set once the server no longer takes updates
        serving = asyncio.create_task(updates.serve(handling))
        try:
            async with _serving(app, kefu.settings.listen_address):
                await application.bot.set_webhook(
                    webhook.url,
                    secret_token=webhook.secret,
                    allowed_updates=Update.ALL_TYPES,
                    max_connections=webhook.max_connections,
                )
                logger.info(
                    "Kefu is running",
                    extra={"fields": {"bot": application.bot.username, "mode": "webhook"}},
                )
                if ready is not None:
                    ready.set()
                await stop.wait()
        finally:
            handling.set()  # the server has stopped: finish what is in hand
            await serving


def _health(application: KefuApplication) -> Health:
    health = Health(application.bot_data.kefu, application.bot.id)
    assert application.job_queue is not None
    health.schedule(application.job_queue)
    return health


@contextlib.asynccontextmanager
async def _running(
    kefu: Kefu,
    token: str,
    base_url: str | None,
    base_file_url: str | None,
    *,
    polling: bool,
    poll_timeout: int = 10,
) -> AsyncIterator[tuple[KefuApplication, DurableInbox]]:
    """The application started, with its jobs, until the block ends; then stopped."""
    redis, budgets = await _shared_budget(kefu, token)
    application = build_application(
        kefu,
        token,
        base_url=base_url,
        base_file_url=base_file_url,
        rate_limit=kefu.settings.rate_limit,
        budgets=budgets,
    )
    updates = DurableInbox(application, kefu, poll_timeout=poll_timeout)
    async with application:
        # Before anything is sent: a second poller, a poller beside webhook instances (or the
        # reverse), or a second instance on SQLite stops here.
        lease = ExclusiveLease.needed(kefu, application.bot.id, polling=polling)
        await lease.acquire()
        await on_startup(application)
        await application.start()
        await desk_jobs.recover(application.bot, kefu)
        # A scheduled report that came due while Kefu was down goes out now, beside the updates.
        application.create_task(
            run_exclusively(
                kefu, "reports:scheduled", lambda: report_delivery.send_due(application.bot, kefu)
            )
        )
        assert application.job_queue is not None
        application.job_queue.run_repeating(
            lambda _context: updates.forget_old(),
            FORGET_EVERY,
            first=FORGET_EVERY,
            name="inbox:forget_old",
        )
        lease.schedule(application.job_queue)
        try:
            yield application, updates
        finally:
            await application.stop()
            await lease.release()
            await kefu.db.dispose()
            if redis is not None:
                await redis.aclose()


async def _shared_budget(kefu: Kefu, token: str) -> tuple[Redis | None, Budgets | None]:
    """With KEFU_REDIS_URL, the Redis client and the budget every instance shares through it;
    without, (None, None): the application keeps this process's own."""
    if kefu.settings.redis_url is None:
        return None, None
    from bot import redis_budget  # only here: the Redis client library is slow to import

    redis = await redis_budget.connect(kefu.settings.redis_url)
    return redis, redis_budget.RedisBudgets(redis, token)


@contextlib.asynccontextmanager
async def _serving(
    app: web.Application | None, listen: tuple[str, int] | None
) -> AsyncIterator[None]:
    """`app` served on `listen` (nothing when either is None) until the block ends."""
    if app is None or listen is None:
        yield
        return
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)  # the access log would hold no secret, but
    await runner.setup()  # every health probe and delivery is noise at INFO
    try:
        await web.TCPSite(runner, *listen).start()
        logger.info("listening", extra={"fields": {"address": f"{listen[0]}:{listen[1]}"}})
        yield
    finally:
        await runner.cleanup()
