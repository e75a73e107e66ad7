"""Injected faults reach a real PTB client as the exceptions it raises for real failures."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import telegram
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from sandbox.client import SandboxClient
from tests.sandbox.conftest import Harness
from tests.sandbox.support import TOKEN

ALICE = 1001


@pytest.fixture(autouse=True)
def timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns when RetryAfter.retry_after is read as seconds; opt in to timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def bot(sandbox: Harness, client: SandboxClient) -> AsyncIterator[telegram.Bot]:
    await client.create_user(ALICE, "Alice")
    request = HTTPXRequest(read_timeout=0.5, connect_timeout=2)
    async with telegram.Bot(TOKEN, base_url=f"{sandbox.base_url}/bot", request=request) as bot:
        yield bot


@pytest.mark.parametrize(
    ("kind", "exception", "text"),
    [
        ("500", NetworkError, "Internal Server Error"),
        ("502", NetworkError, "Bad Gateway"),
        ("429", RetryAfter, "Flood control exceeded. Retry in 0:00:07"),
    ],
)
async def test_fault_kinds_raise_ptb_errors(
    bot: telegram.Bot, client: SandboxClient, kind: str, exception: type, text: str
) -> None:
    await client.add_fault("sendMessage", kind, retry_after=7)
    with pytest.raises(exception, match=text) as caught:
        await bot.send_message(ALICE, "hello")
    assert not isinstance(caught.value, TimedOut)
    assert await bot.send_message(ALICE, "works again")  # the fault was used up
    call = (await client.calls("sendMessage"))[0]
    assert call["fault"] == kind and call["ok"] is False


async def test_hang_times_the_client_out(bot: telegram.Bot, client: SandboxClient) -> None:
    await client.add_fault("sendMessage", "hang", hang_seconds=30)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await bot.send_message(ALICE, "into the void")
    assert time.monotonic() - started < 5
    assert await client.user(ALICE).chat.messages() == []  # the call never took effect


async def test_execute_loses_only_the_answer(bot: telegram.Bot, client: SandboxClient) -> None:
    await client.add_fault("sendMessage", "502", execute=True)
    with pytest.raises(NetworkError):
        await bot.send_message(ALICE, "did it send?")
    assert [m["text"] for m in await client.user(ALICE).chat.messages()] == ["did it send?"]


async def test_count_wildcard_and_clearing(bot: telegram.Bot, client: SandboxClient) -> None:
    await client.add_fault("*", "500", count=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.get_me()
    assert (await bot.get_me()).is_bot
    await client.add_fault("getMe", "500", count=5)
    await client.clear_faults()
    assert (await bot.get_me()).is_bot


async def test_bad_fault_requests_are_refused(client: SandboxClient) -> None:
    from sandbox.client import SandboxApiError

    with pytest.raises(SandboxApiError, match="kind must be one of"):
        await client.add_fault("sendMessage", "teapot")
