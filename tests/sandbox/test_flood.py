"""Flood control: Telegram's 429 with retry_after, per bot per second and per group per minute."""

from __future__ import annotations

from datetime import timedelta

import pytest
import telegram
from telegram.error import RetryAfter

from sandbox.client import SandboxClient
from tests.sandbox.conftest import Harness
from tests.sandbox.support import TOKEN, BotApi

ALICE, BOB, GROUP = 1001, 1002, -1001000000001


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns when RetryAfter.retry_after is read as seconds; opt in to timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def people(client: SandboxClient) -> None:
    await client.create_user(ALICE, "Alice")
    await client.create_user(BOB, "Bob")
    await client.create_group(GROUP, "Desk", members=[ALICE, BOB])


@pytest.mark.usefixtures("people")
async def test_group_limit_is_twenty_a_minute_by_default(api: BotApi) -> None:
    for n in range(20):
        await api.ok("sendMessage", chat_id=GROUP, text=f"#{n}")
    status, body = await api.call("sendMessage", chat_id=GROUP, text="one too many")
    assert status == 429
    retry_after = body["parameters"]["retry_after"]
    assert body["description"] == f"Too Many Requests: retry after {retry_after}"
    assert 1 <= retry_after <= 60
    await api.ok("sendMessage", chat_id=ALICE, text="private chats are not this group")


@pytest.mark.usefixtures("people")
async def test_per_second_limit_counts_all_chats_of_a_bot(
    api: BotApi, client: SandboxClient
) -> None:
    limits = await client.set_limits(per_second=3, per_group_per_minute=None)
    assert limits == {"enabled": True, "per_second": 3.0, "per_group_per_minute": None}
    for chat in (ALICE, BOB, GROUP):
        await api.ok("sendMessage", chat_id=chat, text="hi")
    status, body = await api.call("sendMessage", chat_id=ALICE, text="fourth")
    assert status == 429 and body["parameters"] == {"retry_after": 1}
    await api.ok("getMe")  # only message-sending methods count


@pytest.mark.usefixtures("people")
async def test_ptb_sees_retry_after(sandbox: Harness, client: SandboxClient) -> None:
    await client.set_limits(per_second=1)
    async with telegram.Bot(TOKEN, base_url=f"{sandbox.base_url}/bot") as bot:
        await bot.send_message(ALICE, "first")
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(ALICE, "second")
        assert caught.value.retry_after == timedelta(seconds=1)


@pytest.mark.usefixtures("people")
async def test_albums_count_each_item(api: BotApi, client: SandboxClient) -> None:
    await client.set_limits(per_second=None, per_group_per_minute=3)
    await api.ok("sendMessage", chat_id=GROUP, text="one")
    photo = await api.ok("sendPhoto", chat_id=ALICE, photo=await _photo_id(api))
    file_id = photo["photo"][-1]["file_id"]
    album = [{"type": "photo", "media": file_id}] * 3
    status, _ = await api.call("sendMediaGroup", chat_id=GROUP, media=album)
    assert status == 429


async def _photo_id(api: BotApi) -> str:
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("chat_id", str(BOB))
    form.add_field("photo", b"\x89PNG\r\n\x1a\n" + bytes(30), filename="p.png")
    _, body = await api.form("sendPhoto", form)
    return body["result"]["photo"][-1]["file_id"]


@pytest.mark.usefixtures("people")
async def test_limits_can_be_switched_off(api: BotApi, client: SandboxClient) -> None:
    await client.set_limits(enabled=False)
    for n in range(40):
        await api.ok("sendMessage", chat_id=GROUP, text=f"#{n}")
