"""Webhook delivery: POST pending updates, one chat at a time in order and several chats at once
(up to `max_connections`), retrying each until the bot answers 2xx."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Hashable
from typing import Any

import aiohttp

from sandbox.model import Bot, WebhookConfig
from sandbox.state import SandboxState, now

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def _post(
    state: SandboxState, hook: WebhookConfig, update: dict[str, Any]
) -> tuple[str | None, Any]:
    """(error in Telegram's getWebhookInfo words or None, decoded JSON answer or None)."""
    headers = {"Content-Type": "application/json"}
    if hook.secret_token:
        headers[SECRET_HEADER] = hook.secret_token
    state.observe("webhook", update)
    session = await state.http()
    timeout = aiohttp.ClientTimeout(total=state.config.webhook_timeout)
    body = json.dumps(update, ensure_ascii=False).encode()
    try:
        async with session.post(hook.url, data=body, headers=headers, timeout=timeout) as resp:
            if not 200 <= resp.status < 300:
                return f"Wrong response from the webhook: {resp.status} {resp.reason}", None
            answer = None
            if resp.content_type == "application/json":
                try:
                    answer = json.loads(await resp.read() or b"null")
                except ValueError:
                    answer = None
            return None, answer
    except TimeoutError:
        return "Read timeout expired", None
    except aiohttp.ClientConnectorError:
        return "Connection refused", None
    except aiohttp.ClientError as exc:
        return f"Connection error: {exc.__class__.__name__}", None


async def _run_reply(state: SandboxState, bot: Bot, answer: Any) -> None:
    """A webhook may answer with a method call, as Telegram allows; its result goes nowhere."""
    if not isinstance(answer, dict) or not isinstance(answer.get("method"), str):
        return
    from sandbox.botapi.registry import run_reply_method  # botapi imports this module

    await run_reply_method(state, bot, answer)


async def _deliver_forever(state: SandboxState, bot: Bot) -> None:
    """Deliver as Telegram's Bot API server does: one update at a time per chat, so a chat's
    updates arrive in order, and different chats at once, up to the webhook's
    `max_connections` requests in flight."""
    workers: dict[Hashable, asyncio.Task[None]] = {}
    finished = asyncio.Event()

    def done(key: Hashable) -> Callable[[asyncio.Task[None]], None]:
        def forget(_task: asyncio.Task[None]) -> None:
            workers.pop(key, None)
            finished.set()

        return forget

    try:
        while bot.webhook is not None:
            finished.clear()
            limit = max(1, bot.webhook.max_connections)
            for update in bot.updates.pending():
                key = queue_of(update)
                if key in workers:
                    continue
                if len(workers) >= limit:
                    break
                workers[key] = task = asyncio.create_task(_deliver_queue(state, bot, key))
                task.add_done_callback(done(key))
            changed = asyncio.ensure_future(bot.updates.changed.wait(None))
            freed = asyncio.ensure_future(finished.wait())
            try:
                await asyncio.wait({changed, freed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                changed.cancel()
                freed.cancel()
    finally:
        for task in list(workers.values()):
            task.cancel()


async def _deliver_queue(state: SandboxState, bot: Bot, key: Hashable) -> None:
    """POST one chat's updates in order, each retried until the bot accepts it."""
    failures = 0
    while (hook := bot.webhook) is not None:
        update = next((u for u in bot.updates.pending() if queue_of(u) == key), None)
        if update is None:
            return
        error, answer = await _post(state, hook, update)
        if error is None:
            failures = 0
            bot.updates.remove(update["update_id"])
            await _run_reply(state, bot, answer)
            continue
        failures += 1
        hook.last_error_date = now()
        hook.last_error_message = error
        log.debug("webhook %s failed (%s), retry %d", hook.url, error, failures)
        config = state.config
        await asyncio.sleep(min(config.webhook_retry_base * 2 ** (failures - 1),
                                config.webhook_retry_max))  # fmt: skip


def queue_of(update: dict[str, Any]) -> Hashable:
    """Which of Telegram's delivery queues an update is in: its chat's, else its sender's,
    else its own."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return ("chat", chat["id"])
        sender = body.get("from") or body.get("user")
        if isinstance(sender, dict) and "id" in sender:
            return ("user", sender["id"])
    return ("update", update["update_id"])


def start_delivery(state: SandboxState, bot: Bot) -> None:
    stop_delivery(state, bot)
    state.webhook_tasks[bot.id] = asyncio.create_task(_deliver_forever(state, bot))


def stop_delivery(state: SandboxState, bot: Bot) -> None:
    task = state.webhook_tasks.pop(bot.id, None)
    if task is not None:
        task.cancel()
