"""Upload limits: Telegram's 50 MB per file, and the sandbox's cap on all files it holds.

api.telegram.org answers an upload over 50 MB with HTTP 413 "Request Entity Too Large"; the
sandbox gives the same answer (in JSON, which aiogram turns into TelegramEntityTooLarge) when
storing a request's uploads would take it past `max_upload_bytes`, so its memory stays bounded
however long a test or a demo runs.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramEntityTooLarge
from aiogram.types import BufferedInputFile

from sandbox import server
from sandbox.client import SandboxApiError, SandboxClient
from sandbox.files import MAX_UPLOAD_SIZE
from sandbox.server import RunningSandbox, start_sandbox
from sandbox.spec import BotApiSpec
from tests.sandbox.conftest import Harness
from tests.sandbox.support import TOKEN, BotApi, Conformance

ALICE = 1001
CAP = 4096
TOO_LARGE = {"ok": False, "error_code": 413, "description": "Request Entity Too Large"}


def document_form(chat_id: int, *files: tuple[str, bytes]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat_id))
    for name, data in files:
        form.add_field(name, data, filename=f"{name}.bin")
    return form


@pytest.fixture
async def small(spec: BotApiSpec) -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox(default_bot_token=TOKEN, max_upload_bytes=CAP)
    conformance = Conformance(spec)
    running.state.taps.append(conformance.tap)
    yield running
    await running.stop()
    conformance.check()


async def test_the_cap_answers_413_and_keeps_the_total_bounded(small: RunningSandbox) -> None:
    files = small.state.files
    async with SandboxClient(small.base_url) as client:
        alice = await client.create_user(ALICE, "Alice")
        api = BotApi(small.base_url)
        try:
            sent = []
            for _ in range(5):
                status, body = await api.form(
                    "sendDocument", document_form(ALICE, ("document", b"r" * 1500))
                )
                sent.append((status, body))
                assert files.total_bytes <= CAP
            assert [status for status, _ in sent] == [200, 200, 413, 413, 413]
            assert sent[2][1] == TOO_LARGE
            assert files.total_bytes == 3000

            # Sending a stored file again stores nothing, so it still works.
            file_id = sent[0][1]["result"]["document"]["file_id"]
            assert await api.ok("sendDocument", chat_id=ALICE, document=file_id)
            # An album is stored whole or not at all: 1000 bytes are free, 2 x 600 are not.
            media = [
                {"type": "document", "media": "attach://a"},
                {"type": "document", "media": "attach://b"},
            ]
            form = document_form(ALICE, ("a", b"a" * 600), ("b", b"b" * 600))
            form.add_field("media", json.dumps(media))
            assert await api.form("sendMediaGroup", form) == (413, TOO_LARGE)
            assert files.total_bytes == 3000

            # People's uploads count too; the control API refuses them with 413.
            with pytest.raises(SandboxApiError, match="cap of 4096 bytes") as refused:
                await alice.send_document("scan.pdf", b"s" * 1500)
            assert refused.value.status == 413
            assert files.total_bytes == 3000

            await client.reset()  # forgetting the files frees the memory
            assert files.total_bytes == 0
            await client.create_user(ALICE, "Alice")
            status, _ = await api.form(
                "sendDocument", document_form(ALICE, ("document", b"r" * 1500))
            )
            assert status == 200
        finally:
            await api.close()


async def test_aiogram_sees_telegrams_entity_too_large(small: RunningSandbox) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(small.base_url))
    bot = Bot(TOKEN, session=session)
    async with SandboxClient(small.base_url) as client:
        await client.create_user(ALICE, "Alice")
    try:
        with pytest.raises(TelegramEntityTooLarge, match="Request Entity Too Large"):
            await bot.send_document(ALICE, BufferedInputFile(b"x" * (CAP + 1), "big.bin"))
    finally:
        await session.close()


async def test_a_file_over_50_mb_is_refused_like_telegram_does(
    sandbox: Harness, api: BotApi, client: SandboxClient
) -> None:
    await client.create_user(ALICE, "Alice")
    form = document_form(ALICE, ("document", b"\0" * (MAX_UPLOAD_SIZE + 1)))
    assert await api.form("sendDocument", form) == (413, TOO_LARGE)
    assert sandbox.state.files.total_bytes == 0
    (call,) = await client.calls("sendDocument")
    assert call["error_code"] == 413


async def test_a_body_past_the_front_ends_limit_is_a_json_413(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server, "MAX_BODY", 64 * 1024)
    running = await start_sandbox(default_bot_token=TOKEN)
    api = BotApi(running.base_url)
    try:
        form = document_form(ALICE, ("document", b"x" * 100_000))
        assert await api.form("sendDocument", form) == (413, TOO_LARGE)
        status, body = await api.call("sendMessage", chat_id=ALICE, text="x" * 100_000)
        assert (status, body) == (413, TOO_LARGE)
    finally:
        await api.close()
        await running.stop()
