"""The inbox is not an archive: once the real bot has handled an update, only its id is left."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.app import build_application
from bot.inbox import KEEP_UNHANDLED, DurableInbox
from bot.services import Kefu
from sandbox.client import SandboxUser
from storage import inbox
from tests.conftest import ALICE, TOKEN, RunningBot, accept_privacy

pytestmark = pytest.mark.both_databases

BOT_ID = int(TOKEN.split(":")[0])


async def inbox_rows(kefu: Kefu) -> list[tuple]:
    """Every inbox row as the database holds it."""
    async with kefu.db.read_only() as session:
        result = await session.execute(
            text("SELECT bot_id, update_id, sender_id, payload, processed_at FROM inbox_updates")
        )
        return [tuple(row) for row in result]


async def wait_until_nothing_pending(kefu: Kefu, timeout: float = 10) -> None:
    """Waits until every stored update is marked handled."""
    unhandled = text("SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL")
    async with asyncio.timeout(timeout):
        while True:
            async with kefu.db.read_only() as session:
                if await session.scalar(unhandled) == 0:
                    return
            await asyncio.sleep(0.05)  # a polling interval inside the timeout


async def test_handled_updates_leave_no_trace_of_what_the_customer_wrote(
    alice: SandboxUser, kefu: Kefu
) -> None:
    await accept_privacy(alice)
    await alice.send("Hello, this is Alice: my kettle leaks")
    await alice.chat.wait_for_bot_message()

    await wait_until_nothing_pending(kefu)
    rows = await inbox_rows(kefu)
    senders = [sender_id for _, _, sender_id, _, _ in rows]
    assert senders.count(ALICE.id) == 3  # her /start, her press on Accept, her message
    assert [row for row in rows if row[3] is not None] == []
    assert not any(ALICE.first_name in str(row) for row in rows)


async def test_a_row_without_a_readable_payload_blocks_nobody(
    alice: SandboxUser, kefu_bot: RunningBot
) -> None:
    kefu = kefu_bot.kefu
    assert kefu is not None
    # Left by an earlier run (the inbox is read at start; afterwards Kefu hands out what it
    # stores itself).
    await kefu_bot.stop()
    async with kefu.db.unit_of_work() as session:
        await session.execute(
            text(
                "INSERT INTO inbox_updates (bot_id, update_id, payload, received_at)"
                " VALUES (:bot, -2, NULL, :now), (:bot, -1, 'not JSON', :now)"
            ),
            {"bot": BOT_ID, "now": kefu.clock.now()},
        )
    await kefu_bot.start()
    kefu = kefu_bot.kefu
    assert kefu is not None
    await alice.send("/help")
    assert "How Kefu works" in (await alice.chat.wait_for_bot_message())["text"]

    rows = {
        update_id: (payload, processed_at)
        for _, update_id, _, payload, processed_at in await inbox_rows(kefu)
    }
    assert rows[-2] == (None, None)  # never handed out; dropped with the unhandled in a week
    assert rows[-1][0] is None and rows[-1][1] is not None  # set aside, payload dropped


async def test_updates_unhandled_for_a_week_are_dropped_with_a_warning(
    kefu: Kefu, caplog: pytest.LogCaptureFixture
) -> None:
    now = kefu.clock.now()
    old, recent = now - KEEP_UNHANDLED - timedelta(hours=1), now - timedelta(days=1)
    other_bot = BOT_ID + 1  # rows the running bot would never hand out
    async with kefu.db.unit_of_work() as session:
        await inbox.store(
            session,
            other_bot,
            [
                inbox.Incoming(1, ALICE.id, '{"text": "Alice, stuck"}'),
                inbox.Incoming(2, ALICE.id, '{"text": "Alice, stuck too"}'),
            ],
            now=old,
        )
        await inbox.store(session, other_bot, [inbox.Incoming(3, ALICE.id, "{}")], now=recent)
    updates = DurableInbox(build_application(kefu, TOKEN), kefu, poll_timeout=1)

    with caplog.at_level(logging.WARNING, logger="kefu.inbox"):
        await updates.forget_old()

    remaining = [
        update_id for bot_id, update_id, *_ in await inbox_rows(kefu) if bot_id == other_bot
    ]
    assert remaining == [3]
    [warning] = [r for r in caplog.records if r.name == "kefu.inbox"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage() == "dropped 2 inbox updates still unhandled after 7 days"

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kefu.inbox"):
        await updates.forget_old()
    assert [r for r in caplog.records if r.name == "kefu.inbox"] == []
