"""Webhook delivery: POST each pending update in order, retrying until the bot answers 2xx."""

from __future__ import annotations

import asyncio
import json
import logging
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
    failures = 0
    while bot.webhook is not None:
        hook = bot.webhook
        update = bot.updates.first()
        if update is None:
            await bot.updates.changed.wait(None)
            continue
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


def start_delivery(state: SandboxState, bot: Bot) -> None:
    stop_delivery(state, bot)
    state.webhook_tasks[bot.id] = asyncio.create_task(_deliver_forever(state, bot))


def stop_delivery(state: SandboxState, bot: Bot) -> None:
    task = state.webhook_tasks.pop(bot.id, None)
    if task is not None:
        task.cancel()
