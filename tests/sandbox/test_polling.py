"""getUpdates: offsets, limits, long polling, allowed_updates and Telegram's 409 conflicts."""

from __future__ import annotations

import asyncio
import time

from telegram import Update
from telegram.error import Conflict, TelegramError
from telegram.ext import ContextTypes, MessageHandler, filters

from sandbox.client import SandboxClient, SandboxUser
from sandbox.errors import POLL_CONFLICT, WEBHOOK_ACTIVE
from sandbox.updates import UpdateQueue
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BOT_ID, BotApi, ptb_application


async def until_polling(queue: UpdateQueue, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not queue.is_polling:
        assert time.monotonic() < deadline, "no long poll started"
        await queue.poll_started.wait(deadline - time.monotonic())


async def new_user(client: SandboxClient) -> SandboxUser:
    return await client.create_user(1001, "Alice")


async def test_offset_confirms_and_limit_caps(api: BotApi, client: SandboxClient) -> None:
    alice = await new_user(client)
    for text in ("one", "two", "three"):
        await alice.send(text)
    first_two = await api.ok("getUpdates", limit=2)
    assert [u["message"]["text"] for u in first_two] == ["one", "two"]
    again = await api.ok("getUpdates")  # nothing confirmed yet: all three again
    assert [u["update_id"] for u in again][:2] == [u["update_id"] for u in first_two]
    rest = await api.ok("getUpdates", offset=first_two[-1]["update_id"] + 1)
    assert [u["message"]["text"] for u in rest] == ["three"]
    assert await api.ok("getUpdates", offset=rest[-1]["update_id"] + 1) == []


async def test_negative_offset_keeps_only_the_last_updates(
    api: BotApi, client: SandboxClient
) -> None:
    alice = await new_user(client)
    for text in ("one", "two", "three"):
        await alice.send(text)
    last = await api.ok("getUpdates", offset=-1)
    assert [u["message"]["text"] for u in last] == ["three"]
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["three"]


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    sandbox: Harness, api: BotApi, client: SandboxClient
) -> None:
    alice = await new_user(client)
    started = time.monotonic()
    poll = asyncio.create_task(api.ok("getUpdates", timeout=10))
    await until_polling(sandbox.state.bots[BOT_ID].updates)
    await alice.send("wake up")
    updates = await asyncio.wait_for(poll, 5)
    assert updates[0]["message"]["text"] == "wake up"
    assert time.monotonic() - started < 5


async def test_long_poll_times_out_empty(api: BotApi) -> None:
    started = time.monotonic()
    assert await api.ok("getUpdates", timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 3


async def test_allowed_updates_filter_new_updates(api: BotApi, client: SandboxClient) -> None:
    alice = await new_user(client)
    await alice.send("before")  # made before the filter: still delivered
    await api.ok("getUpdates", allowed_updates=["callback_query"], timeout=0)
    await alice.send("after")
    texts = [u["message"]["text"] for u in await api.ok("getUpdates") if "message" in u]
    assert texts == ["before"]
    info = await api.ok("getWebhookInfo")
    assert info["allowed_updates"] == ["callback_query"]
    await api.ok("getUpdates", allowed_updates=[])  # empty: back to the default
    await alice.block()
    assert any("my_chat_member" in u for u in await api.ok("getUpdates"))


async def test_second_poller_ends_the_first_with_409(
    sandbox: Harness, api: BotApi, client: SandboxClient
) -> None:
    alice = await new_user(client)
    first = asyncio.create_task(api.call("getUpdates", timeout=10))
    await until_polling(sandbox.state.bots[BOT_ID].updates)
    second = asyncio.create_task(api.call("getUpdates", timeout=10))
    status, body = await asyncio.wait_for(first, 5)
    assert (status, body["description"]) == (409, f"Conflict: {POLL_CONFLICT}")
    await alice.send("for the survivor")
    status, body = await asyncio.wait_for(second, 5)
    assert status == 200 and body["result"][0]["message"]["text"] == "for the survivor"


async def test_set_webhook_ends_a_waiting_poll(sandbox: Harness, api: BotApi) -> None:
    poll = asyncio.create_task(api.call("getUpdates", timeout=10))
    await until_polling(sandbox.state.bots[BOT_ID].updates)
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    status, body = await asyncio.wait_for(poll, 5)
    assert (status, body["description"]) == (409, "Conflict: terminated by setWebhook request")
    assert await api.error("getUpdates") == (409, f"Conflict: {WEBHOOK_ACTIVE}")
    await api.ok("deleteWebhook")
    assert await api.ok("getUpdates") == []


async def test_two_ptb_instances_on_one_token_see_conflict(
    sandbox: Harness, client: SandboxClient
) -> None:
    conflicts = asyncio.Event()

    def on_error(error: TelegramError) -> None:
        if isinstance(error, Conflict):
            conflicts.set()

    async def noop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        pass

    apps = [ptb_application(sandbox.base_url) for _ in range(2)]
    for app in apps:
        app.add_handler(MessageHandler(filters.ALL, noop))
        await app.initialize()
        await app.start()
    try:
        for app in apps:
            await app.updater.start_polling(poll_interval=0, timeout=1, error_callback=on_error)
        await asyncio.wait_for(conflicts.wait(), 10)
    finally:
        for app in apps:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
