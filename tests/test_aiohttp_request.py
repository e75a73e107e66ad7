"""Kefu's Bot API transport (bot.aiohttp_request): what PTB sends arrives whole, and failures
reach PTB as the errors it knows (TimedOut, NetworkError), as they would with httpx."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import NetworkError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from sandbox.client import SandboxClient
from sandbox.server import start_sandbox

TOKEN = "123456789:TRANSPORT-TEST-TOKEN"


@asynccontextmanager
async def silent_bot_api() -> AsyncIterator[tuple[str, asyncio.Event]]:
    """A Bot API that takes requests and never answers; the event is set once one arrived."""
    arrived = asyncio.Event()
    release = asyncio.Event()

    async def hold(_request: web.Request) -> web.Response:
        arrived.set()
        await release.wait()
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/{path:.*}", hold)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/bot", arrived
    finally:
        release.set()
        await runner.cleanup()


async def test_a_formatted_message_and_a_file_arrive_as_sent() -> None:
    running = await start_sandbox(default_bot_token=TOKEN)
    client = SandboxClient(running.base_url)
    try:
        person = await client.create_user(7001, "王芳", language_code="zh-hans")
        await person.send("/start")
        bot = Bot(
            TOKEN,
            base_url=f"{running.base_url}/bot",
            base_file_url=f"{running.base_url}/file/bot",
            request=AiohttpRequest(),
        )
        async with bot:
            buttons = InlineKeyboardMarkup([[InlineKeyboardButton("好的", callback_data="yes")]])
            await bot.send_message(
                person.id, "<b>维修</b> K-000123", parse_mode=ParseMode.HTML, reply_markup=buttons
            )
            record = b"%PDF-1.4 service record \xe6\x9c\x8d\xe5\x8a\xa1"
            sent = await bot.send_document(person.id, record, filename="服务记录.pdf")
        assert sent.document is not None
        assert sent.document.file_name == "服务记录.pdf"
        assert await client.file(sent.document.file_id) == record

        shown = await person.chat.messages()
        text = next(
            message for message in shown if message["from"]["is_bot"] and "text" in message
        )
        assert text["text"] == "维修 K-000123"
        assert text["entities"][0]["type"] == "bold"
        assert text["reply_markup"]["inline_keyboard"][0][0]["text"] == "好的"
    finally:
        await client.close()
        await running.stop()


async def test_an_unanswered_call_times_out_as_ptb_expects() -> None:
    async with silent_bot_api() as (base_url, _arrived):
        bot = Bot(TOKEN, base_url=base_url, request=AiohttpRequest(read_timeout=0.2))
        await bot.request.initialize()
        try:
            with pytest.raises(TimedOut):
                await bot.send_message(1, "hello")
        finally:
            await bot.request.shutdown()


async def test_a_full_pool_is_reported_as_not_sent() -> None:
    async with silent_bot_api() as (base_url, arrived):
        request = AiohttpRequest(
            connection_pool_size=1, read_timeout=5, connect_timeout=0.2, pool_timeout=0.2
        )
        bot = Bot(TOKEN, base_url=base_url, request=request)
        await request.initialize()
        try:
            holding = asyncio.create_task(bot.send_message(1, "first"))
            await arrived.wait()  # the first call holds the pool's only connection
            with pytest.raises(TimedOut, match="not sent"):
                await bot.send_message(1, "second")
            holding.cancel()
            with pytest.raises(asyncio.CancelledError):
                await holding
        finally:
            await request.shutdown()


async def test_an_unreachable_bot_api_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(1, "hello")
        assert not isinstance(raised.value, TimedOut)
    finally:
        await request.shutdown()


async def test_a_misconfigured_api_url_is_named_without_the_token() -> None:
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url="http://127.0.0.1:99999/bot", request=request)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match=r"127\.0\.0\.1:99999") as raised:
            await bot.send_message(1, "hello")
        assert TOKEN.split(":")[1] not in str(raised.value)
    finally:
        await request.shutdown()


async def test_a_call_before_initialize_says_so() -> None:
    bot = Bot(TOKEN, request=AiohttpRequest())
    # PTB passes a transport's own failure on as a NetworkError, keeping its text.
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.send_message(1, "hello")
