"""Kefu's HTTP side: the Telegram webhook, `/healthz` and `/metrics`, in one aiohttp app.

`POST /telegram/webhook` checks Telegram's secret header in constant time (403, nothing stored,
otherwise), stores the update in the durable inbox and only then answers 200: an update
Telegram counts as delivered is on disk. A redelivery is stored once. A body that is no update
gets 400; a database that cannot take it gets 503, and Telegram delivers it again later.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.health import Health
from bot.inbox import DurableInbox
from bot.metrics import exposition
from storage.db import CONNECT_ERRORS, DatabaseUnavailable

logger = logging.getLogger("kefu.web")

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kB; Telegram's largest are far below this


def build_web_app(
    health: Health, inbox: DurableInbox | None = None, secret: str | None = None
) -> web.Application:
    """The app; with `inbox` and `secret`, it also takes Telegram's webhook."""
    app = web.Application(client_max_size=MAX_BODY)

    async def healthz(_request: web.Request) -> web.Response:
        healthy, checks = await health.check()
        body = {"status": "ok" if healthy else "failing", "checks": checks}
        return web.json_response(body, status=200 if healthy else 503)

    async def metrics(_request: web.Request) -> web.Response:
        body, content_type = exposition()
        return web.Response(body=body, headers={"Content-Type": content_type})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    if inbox is not None and secret is not None:
        app.router.add_post(WEBHOOK_PATH, _webhook(inbox, secret))
    return app


def _webhook(inbox: DurableInbox, secret: str) -> Handler:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("no update_id")
            await inbox.accept(data)
        except ValueError:
            return web.Response(status=400)  # not an update: Telegram's own would parse
        except (DatabaseUnavailable, *CONNECT_ERRORS):
            logger.warning("could not store a webhook update; Telegram will deliver it again")
            return web.Response(status=503)
        return web.Response(status=200)

    return receive
