"""Getting updates: getUpdates long polling and the webhook methods."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sandbox.botapi.registry import Call, Described, bot_method
from sandbox.errors import WEBHOOK_ACTIVE, ApiError, bad_request, conflict
from sandbox.model import WebhookConfig
from sandbox.objects import webhook_info
from sandbox.updates import CONFLICT_SET_WEBHOOK, DEFAULT_ALLOWED, PollConflict
from sandbox.webhook import start_delivery, stop_delivery

MAX_LIMIT = 100
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def _allowed_updates(call: Call) -> Any:
    try:
        return call.args.json("allowed_updates", "allowed updates")
    except ApiError:
        return None  # Telegram ignores an unreadable allowed_updates


@bot_method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    bot = call.bot
    if bot.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    offset = call.args.int("offset") if call.args.text("offset").strip() else None
    limit = min(max(call.args.int("limit", MAX_LIMIT), 1), MAX_LIMIT)
    timeout = max(call.args.int("timeout"), 0)
    bot.updates.set_allowed(_allowed_updates(call))
    try:
        return await bot.updates.poll(offset, limit, timeout)
    except PollConflict as ended:
        raise ApiError(409, str(ended)) from None


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    # Like a Bot API server run with --local: http, any port and local hosts are fine.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: invalid webhook URL specified")


def _delete(call: Call) -> Described:
    bot = call.bot
    if call.args.flag("drop_pending_updates"):
        bot.updates.clear()
    if bot.webhook is None:
        return Described(True, "Webhook is already deleted")
    bot.webhook = None
    stop_delivery(call.state, bot)
    return Described(True, "Webhook was deleted")


@bot_method("setWebhook")
async def set_webhook(call: Call) -> Described:
    url = call.args.text("url").strip()
    if not url:
        return _delete(call)
    _check_url(url)
    secret = call.args.text("secret_token") or None
    if secret is not None and (len(secret) > 256 or not set(secret) <= _SECRET_CHARS):
        raise bad_request("secret token contains unallowed characters")
    max_connections = min(max(call.args.int("max_connections", 40), 1), 100)
    bot = call.bot
    bot.updates.set_allowed(_allowed_updates(call))
    if call.args.flag("drop_pending_updates"):
        bot.updates.clear()
    old = bot.webhook
    if old and (old.url, old.secret_token, old.max_connections) == (url, secret, max_connections):
        return Described(True, "Webhook is already set")
    bot.webhook = WebhookConfig(url, secret, max_connections, call.args.text("ip_address") or None)
    bot.updates.end_poll(CONFLICT_SET_WEBHOOK)
    start_delivery(call.state, bot)
    return Described(True, "Webhook was set")


@bot_method("deleteWebhook")
async def delete_webhook(call: Call) -> Described:
    return _delete(call)


@bot_method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    return webhook_info(call.bot, call.bot.updates.allowed, DEFAULT_ALLOWED)
