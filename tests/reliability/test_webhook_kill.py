"""A kill -9 right after Kefu answered a webhook delivery with 200 loses nothing: Telegram has
forgotten the update, the inbox has it, and the next start handles it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.chatview import text_of
from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from tests.conftest import WEBHOOK_SECRET, free_port
from tests.reliability.process import KefuProcess, telegram_holds_nothing, wait_for

pytestmark = pytest.mark.both_databases

UNHANDLED = "SELECT update_id FROM inbox_updates WHERE processed_at IS NULL ORDER BY update_id"


async def test_an_update_answered_200_survives_a_kill_before_it_is_handled(
    sandbox: RunningSandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    kefu = KefuProcess(
        sandbox.base_url,
        database_url,
        tmp_path / "kefu.log",
        webhook=True,
        KEFU_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
        KEFU_WEBHOOK_SECRET=WEBHOOK_SECRET,
        KEFU_LISTEN=f"127.0.0.1:{port}",
    )
    try:
        alice = await client.create_user(1001, "Alice", language_code="en")
        await kefu.start()
        await kefu.ready()

        # Killed the moment Telegram has its 200 (and forgets the update); a reply already
        # under way by then hangs undelivered.
        await client.add_fault("sendMessage", "hang", hang_seconds=60)
        await alice.send("/help")
        await kefu.until(lambda: telegram_holds_nothing(sandbox.base_url), 10, "answered 200")
        await kefu.kill()
        assert len(await kefu.query(UNHANDLED)) == 1
        assert not [m for m in await alice.chat.messages() if m["from"].get("is_bot")]

        await client.clear_faults()
        await kefu.start()
        await alice.chat.wait_for_text("How Kefu works", timeout=30)

        async def all_handled() -> bool:
            return await kefu.query(UNHANDLED) == []

        await wait_for(all_handled, 30, "the update is marked handled")
        replies = [m for m in await alice.chat.messages() if m["from"].get("is_bot")]
    finally:
        await kefu.close()

    assert ["How Kefu works" in text_of(m) for m in replies] == [True]
