"""Webhook delivery: POSTs in order, the secret header, retries, errors and replies."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from sandbox.client import SandboxClient
from sandbox.signals import Signal
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BotApi

SECRET = "Top_secret-42"
Answer = Callable[[dict[str, Any]], web.Response]


class Endpoint:
    """A bot's webhook endpoint that records what it gets and answers as told."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = answers  # used in turn; the last one repeats
        self.received: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.accepted = asyncio.Event()
        self._arrivals = asyncio.Condition()

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        async with self._arrivals:
            self.received.append((update, dict(request.headers)))
            self._arrivals.notify_all()
        answer = self.answers[min(len(self.received), len(self.answers)) - 1](update)
        if answer.status == 200:
            self.accepted.set()
        return answer

    async def wait_for(self, count: int, timeout: float = 5) -> None:
        async with self._arrivals:
            await asyncio.wait_for(
                self._arrivals.wait_for(lambda: len(self.received) >= count), timeout
            )


@asynccontextmanager
async def endpoint(*answers: Answer) -> AsyncIterator[tuple[str, Endpoint]]:
    hook = Endpoint(list(answers))
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", hook
    finally:
        await runner.cleanup()


def status(code: int) -> Answer:
    return lambda update: web.Response(status=code)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_updates_arrive_with_the_secret_header(api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(1001, "Alice")
    async with endpoint(status(200)) as (url, hook):
        result = await api.call("setWebhook", url=url, secret_token=SECRET)
        assert result == (200, {"ok": True, "result": True, "description": "Webhook was set"})
        again = await api.call("setWebhook", url=url, secret_token=SECRET)
        assert again[1]["description"] == "Webhook is already set"
        await alice.send("hello")
        await asyncio.wait_for(hook.accepted.wait(), 5)
        update, headers = hook.received[0]
        assert update["message"]["text"] == "hello"
        assert headers["X-Telegram-Bot-Api-Secret-Token"] == SECRET
        assert headers["Content-Type"] == "application/json"
        info = await api.ok("getWebhookInfo")
        assert info["url"] == url and info["pending_update_count"] == 0
        assert "last_error_date" not in info
        deleted = await api.call("deleteWebhook")
        assert deleted[1]["description"] == "Webhook was deleted"


async def test_failed_deliveries_are_retried_until_accepted(
    api: BotApi, client: SandboxClient
) -> None:
    alice = await client.create_user(1001, "Alice")
    async with endpoint(status(500), status(502), status(200)) as (url, hook):
        await api.ok("setWebhook", url=url)
        await alice.send("persist")
        await asyncio.wait_for(hook.accepted.wait(), 5)
        ids = {update["update_id"] for update, _ in hook.received}
        assert len(hook.received) == 3 and len(ids) == 1  # the same update, three times
        info = await api.ok("getWebhookInfo")
        assert info["pending_update_count"] == 0
        assert info["last_error_message"] == "Wrong response from the webhook: 502 Bad Gateway"
        assert isinstance(info["last_error_date"], int)
        await api.ok("deleteWebhook")


async def test_unreachable_webhook_keeps_updates_pending(
    sandbox: Harness, api: BotApi, client: SandboxClient
) -> None:
    alice = await client.create_user(1001, "Alice")
    attempts: list[dict[str, Any]] = []
    retried = asyncio.Event()

    def count_attempts(what: str, body: dict[str, Any]) -> None:
        if what == "webhook":
            attempts.append(body)
            if len(attempts) >= 2:
                retried.set()  # a retry starts only after the failure was recorded

    sandbox.state.taps.append(count_attempts)
    await api.ok("setWebhook", url=f"http://127.0.0.1:{free_port()}/hook")
    await alice.send("nobody listens")
    await asyncio.wait_for(retried.wait(), 5)
    info = await api.ok("getWebhookInfo")
    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Connection refused"
    await api.ok("deleteWebhook", drop_pending_updates=True)
    assert (await api.ok("getWebhookInfo"))["pending_update_count"] == 0


async def test_pending_updates_go_to_a_new_webhook_in_order(
    api: BotApi, client: SandboxClient
) -> None:
    alice = await client.create_user(1001, "Alice")
    for text in ("one", "two", "three"):
        await alice.send(text)
    async with endpoint(status(200)) as (url, hook):
        await api.ok("setWebhook", url=url)
        await hook.wait_for(3)
        assert [u["message"]["text"] for u, _ in hook.received] == ["one", "two", "three"]
        await api.ok("deleteWebhook")


async def test_webhook_reply_can_call_a_method(api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(1001, "Alice")

    def reply(update: dict[str, Any]) -> web.Response:
        chat_id = update["message"]["chat"]["id"]
        call = {"method": "sendMessage", "chat_id": chat_id, "text": "answered inline"}
        return web.Response(text=json.dumps(call), content_type="application/json")

    async with endpoint(reply) as (url, _):
        await api.ok("setWebhook", url=url)
        await alice.send("hi")
        answer = await alice.chat.wait_for_bot_message()
        assert answer["text"] == "answered inline"
        assert [c["params"].get("via") for c in await client.calls("sendMessage")] == ["webhook"]
        await api.ok("deleteWebhook")


async def test_drop_pending_updates_on_set_webhook(api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(1001, "Alice")
    await alice.send("old news")
    async with endpoint(status(200)) as (url, hook):
        await api.ok("setWebhook", url=url, drop_pending_updates=True)
        await alice.send("fresh")
        await asyncio.wait_for(hook.accepted.wait(), 5)
        assert [u["message"]["text"] for u, _ in hook.received] == ["fresh"]
        await api.ok("deleteWebhook")


async def test_chats_are_delivered_at_once_and_each_chat_in_order(
    api: BotApi, client: SandboxClient
) -> None:
    """As Telegram's server does: a slow answer for one chat does not hold the others back, and
    one chat's updates never overtake each other (up to max_connections requests at once)."""
    arrived: dict[int, list[str]] = {}
    in_flight: dict[int, int] = {}
    overlapped: list[int] = []
    both_waiting, all_arrived = asyncio.Event(), asyncio.Event()

    async def handle(request: web.Request) -> web.Response:
        update = await request.json()
        chat, text = update["message"]["chat"]["id"], update["message"]["text"]
        arrived.setdefault(chat, []).append(text)
        if sum(len(texts) for texts in arrived.values()) == 6:
            all_arrived.set()
        in_flight[chat] = in_flight.get(chat, 0) + 1
        if in_flight[chat] > 1:
            overlapped.append(chat)
        if sum(1 for count in in_flight.values() if count) >= 2:
            both_waiting.set()
        try:
            # Each first request waits until another chat's is in flight too: delivery one at
            # a time would never get past this.
            if text == "first":
                await asyncio.wait_for(both_waiting.wait(), 5)
            return web.Response(status=200)
        finally:
            in_flight[chat] -= 1

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        alice = await client.create_user(1001, "Alice")
        bob = await client.create_user(1002, "Bob")
        for user in (alice, bob):
            for text in ("first", "second", "third"):
                await user.send(text)
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        await api.ok("setWebhook", url=url, max_connections=2)
        await asyncio.wait_for(all_arrived.wait(), 10)
        await api.ok("deleteWebhook")
    finally:
        await runner.cleanup()

    assert both_waiting.is_set()
    assert arrived == {1001: ["first", "second", "third"], 1002: ["first", "second", "third"]}
    assert overlapped == []


async def test_a_change_made_as_the_delivery_loop_turns_is_not_missed() -> None:
    # The delivery loop looks at the pending updates, then waits for a change inside a task,
    # which first runs at the loop's next turn. An update added in between (by a request
    # handled in that turn) must still wake it: once it sat undelivered until another chat's
    # update came, and a bot's first /start went unanswered.
    changed = Signal()
    waiting = asyncio.ensure_future(changed.wait(5))
    changed.notify()  # before the task has run at all
    assert await asyncio.wait_for(waiting, 1) is True
