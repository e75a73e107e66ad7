"""Files belong to the bots that stored them or were shown them, as file_ids do on Telegram.

Every bot has its own file_ids there, so a file_id of another bot neither downloads nor sends:
getFile and sends answer 400 "wrong file_id or the file is temporarily unavailable", and the
download URL with another token is a 404. A bot that is shown a file (in an update or in a
method's result) may use it from then on.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox.client import SandboxClient
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BotApi

ALICE, GROUP = 1001, -1001000000001
OTHER_TOKEN = "987654321:ANOTHER-BOT"
UNAVAILABLE = "Bad Request: wrong file_id or the file is temporarily unavailable"
REPORT = b"%PDF-1.4 the repair report\n" * 20


async def upload_document(api: BotApi, chat_id: int, data: bytes, name: str) -> dict:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(chat_id))
    form.add_field("document", data, filename=name)
    status, body = await api.form("sendDocument", form)
    assert status == 200, body
    return body["result"]


async def download(api: BotApi, file_path: str) -> tuple[int, bytes]:
    url = f"{api.base_url}/file/bot{api.token}/{file_path}"
    async with api.session.get(url) as response:
        return response.status, await response.read()


@pytest.fixture
async def other(sandbox: Harness) -> AsyncIterator[BotApi]:
    second = BotApi(sandbox.base_url, OTHER_TOKEN)
    await second.ok("getMe")
    yield second
    await second.close()


async def test_a_bots_upload_is_its_own(api: BotApi, other: BotApi, client: SandboxClient) -> None:
    await client.create_user(ALICE, "Alice")
    sent = await upload_document(api, ALICE, REPORT, "report.pdf")
    file_id = sent["document"]["file_id"]
    file = await api.ok("getFile", file_id=file_id)
    assert await download(api, file["file_path"]) == (200, REPORT)
    assert await api.ok("sendDocument", chat_id=ALICE, document=file_id)

    assert await other.error("getFile", file_id=file_id) == (400, UNAVAILABLE)
    status, body = await download(other, file["file_path"])
    assert status == 404 and json.loads(body)["description"] == "Not Found"
    assert await other.error("sendDocument", chat_id=ALICE, document=file_id) == (
        400,
        UNAVAILABLE,
    )
    media = [{"type": "document", "media": file_id}, {"type": "document", "media": file_id}]
    assert await other.error("sendMediaGroup", chat_id=ALICE, media=media) == (400, UNAVAILABLE)


async def test_a_users_file_belongs_to_the_bot_it_was_sent_to(
    sandbox: Harness, api: BotApi, other: BotApi, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    sent = await alice.send_document("receipt.pdf", REPORT)  # to the default bot
    file_id = sent["document"]["file_id"]
    assert await other.error("getFile", file_id=file_id) == (400, UNAVAILABLE)
    file = await api.ok("getFile", file_id=file_id)  # before polling: the update holds it
    assert await download(api, file["file_path"]) == (200, REPORT)
    assert await client.file(file_id) == REPORT  # the control API sees every file


async def test_a_file_shown_to_a_bot_becomes_usable_by_it(
    api: BotApi, other: BotApi, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    await client.create_group(GROUP, "Staff desk", members=[ALICE])
    # A person's file in a group reaches every bot there, so each may use it.
    serial = await alice.send_document("serial.txt", b"SN 12345", chat_id=GROUP)
    assert await other.ok("getFile", file_id=serial["document"]["file_id"])

    # The first bot's own post is not shown to the second bot...
    card = await upload_document(api, GROUP, REPORT, "card.pdf")
    file_id = card["document"]["file_id"]
    assert await other.error("getFile", file_id=file_id) == (400, UNAVAILABLE)
    # ... until a result shows it: forwardMessage answers with the message and its document.
    forwarded = await other.ok(
        "forwardMessage", chat_id=GROUP, from_chat_id=GROUP, message_id=card["message_id"]
    )
    assert forwarded["document"]["file_id"] == file_id
    file = await other.ok("getFile", file_id=file_id)
    assert await download(other, file["file_path"]) == (200, REPORT)
