"""Webhook mode end to end: the sandbox posts each update to Kefu's own server, as Telegram
does, and Kefu stores it before it answers 200.

The whole end-to-end suite runs this way too with KEFU_E2E_MODE=webhook; these tests are what
only a webhook has: the secret, a redelivery, the health check and the metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.clock import ShiftedClock
from bot.config import Settings
from bot.services import Kefu
from bot.web import SECRET_HEADER, WEBHOOK_PATH
from sandbox.client import SandboxUser
from sandbox.server import RunningSandbox
from storage.models import InboxUpdate, Ticket
from tests.conftest import TOKEN, WEBHOOK_SECRET, RunningBot, accept_privacy
from tests.e2e.helpers import complain_of_a_late_parcel
from tests.postgres import set_reachable

pytestmark = pytest.mark.both_databases


@pytest.fixture
async def kefu_bot(
    sandbox: RunningSandbox, settings: Settings, clock: ShiftedClock, staff_chat: dict
) -> AsyncIterator[RunningBot]:
    bot = RunningBot(settings, clock, sandbox, mode="webhook")
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
def delivered(sandbox: RunningSandbox) -> list[dict[str, Any]]:
    """Every update the sandbox posted to Kefu's webhook, as it was posted."""
    seen: list[dict[str, Any]] = []
    sandbox.state.taps.append(lambda what, body: seen.append(body) if what == "webhook" else None)
    return seen


def address(kefu_bot: RunningBot) -> str:
    host, port = kefu_bot.settings.listen_address
    return f"http://{host}:{port}"


async def post(kefu_bot: RunningBot, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(address(kefu_bot) + WEBHOOK_PATH, json=update, headers=headers) as answer,
    ):
        return answer.status


async def stored(kefu: Kefu, update_id: int) -> bool:
    async with kefu.db.read_only() as session:
        query = select(InboxUpdate.update_id).where(InboxUpdate.update_id == update_id)
        return await session.scalar(query) is not None


async def test_kefu_sets_its_webhook_and_answers_through_it(
    kefu_bot: RunningBot, sandbox: RunningSandbox, alice: SandboxUser, delivered: list
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{sandbox.base_url}/bot{TOKEN}/getWebhookInfo") as answer,
    ):
        info = (await answer.json())["result"]
    assert info["url"] == kefu_bot.webhook.url
    assert info["max_connections"] == 40 and info["has_custom_certificate"] is False
    await accept_privacy(alice)
    assert delivered, "the updates came by webhook"


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    kefu_bot: RunningBot, kefu: Kefu, alice: SandboxUser
) -> None:
    update = {
        "update_id": 990001,
        "message": {
            "message_id": 1,
            "date": 1767225600,
            "chat": {"id": alice.id, "type": "private", "first_name": "Alice"},
            "from": {"id": alice.id, "is_bot": False, "first_name": "Alice"},
            "text": "/start",
        },
    }
    assert await post(kefu_bot, update, "not-the-secret") == 403
    assert await post(kefu_bot, update, None) == 403
    assert await post(kefu_bot, update, WEBHOOK_SECRET[:-1]) == 403
    assert not await stored(kefu, 990001)
    assert await alice.chat.messages() == []


async def test_an_update_delivered_twice_makes_one_ticket_and_one_answer(
    kefu_bot: RunningBot, kefu: Kefu, alice: SandboxUser, delivered: list
) -> None:
    await accept_privacy(alice)
    await complain_of_a_late_parcel(alice)
    await alice.press("Confirm and send")
    await alice.chat.wait_for_text("is open")
    confirm = next(u for u in reversed(delivered) if "callback_query" in u)

    # Telegram did not see our 200 (a proxy dropped it) and delivers the press again.
    assert await post(kefu_bot, confirm, WEBHOOK_SECRET) == 200
    await alice.send("/help")  # handled after the redelivery: its answer marks the end
    await alice.chat.wait_for_text("How Kefu works")

    async with kefu.db.read_only() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1
    opened = [
        m for m in await alice.chat.messages() if "Thank you! Your ticket" in (m.get("text") or "")
    ]
    assert len(opened) == 1


async def test_health_and_metrics_follow_the_traffic(
    kefu_bot: RunningBot, alice: SandboxUser
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(address(kefu_bot) + "/healthz") as answer:
            body = await answer.json()
            assert answer.status == 200, body
        assert body["status"] == "ok"
        assert set(body["checks"]) == {"database", "inbox", "jobs"}

        async def handled_messages() -> float:
            async with session.get(address(kefu_bot) + "/metrics") as answer:
                assert answer.status == 200
                text = await answer.text()
            for line in text.splitlines():
                if line.startswith('kefu_updates_handled_total{outcome="handled",type="message"}'):
                    return float(line.rsplit(" ", 1)[1])
            return 0.0

        before = await handled_messages()
        await accept_privacy(alice)
        await alice.send("/help")
        await alice.chat.wait_for_text("How Kefu works")
        # The answer goes out before the update is marked handled, and counted: look again.
        async with asyncio.timeout(10):
            while await handled_messages() < before + 2:  # noqa: ASYNC110 - /start, /help
                await asyncio.sleep(0.05)  # a polling interval, not a synchronisation guess


async def test_health_turns_503_while_the_database_is_away_and_200_when_it_is_back(
    kefu_bot: RunningBot, kefu: Kefu, alice: SandboxUser
) -> None:
    if kefu.db.dialect != "postgresql":
        pytest.skip("a SQLite file cannot go away from under an open connection")
    name = kefu.db.url.database
    assert name is not None

    async def health() -> tuple[int, dict[str, Any]]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(address(kefu_bot) + "/healthz") as answer,
        ):
            return answer.status, await answer.json()

    assert (await health())[0] == 200
    await set_reachable(name, False)
    try:
        status, body = await health()
        assert status == 503
        assert body["checks"]["database"]["ok"] is False
        # Written meanwhile: Kefu cannot store it, answers 503, and Telegram keeps it.
        await alice.send("/start")
        await wait_for_webhook_error(kefu_bot)
    finally:
        await set_reachable(name, True)
    status, body = await health()
    assert status == 200, body
    # Kefu rode out the outage: the message written during it is answered now.
    await alice.chat.wait_for_text("privacy", timeout=20)


async def wait_for_webhook_error(kefu_bot: RunningBot) -> None:
    """Until Telegram's side records a failed delivery (getWebhookInfo's last_error_message)."""
    url = f"{kefu_bot.sandbox.base_url}/bot{TOKEN}/getWebhookInfo"
    async with aiohttp.ClientSession() as session, asyncio.timeout(10):
        while True:
            async with session.get(url) as answer:
                info = (await answer.json())["result"]
            if "503" in info.get("last_error_message", ""):
                return
            await asyncio.sleep(0.05)  # a polling interval, not a synchronisation guess
