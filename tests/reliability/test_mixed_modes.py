"""Polling and webhook do not mix: a poller deletes the webhook the others take updates by, and
a webhook instance's setWebhook ends the poller's updates. So on one PostgreSQL database an
instance of the other mode refuses to start, saying why, and leaves the running ones alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from tests.conftest import STAFF_CHAT_ID, WEBHOOK_SECRET, free_port
from tests.reliability.instances import Deployment
from tests.reliability.process import KefuProcess

pytestmark = [pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]


async def test_a_poller_does_not_start_beside_webhook_instances_nor_the_reverse(
    desk: None,
    sandbox: RunningSandbox,
    client: SandboxClient,
    database_url: str,
    tmp_path: Path,
) -> None:
    staff = {"KEFU_STAFF_CHAT_ID": str(STAFF_CHAT_ID)}
    poller = KefuProcess(sandbox.base_url, database_url, tmp_path / "poller.log", **staff)
    port = free_port()
    late_webhook = KefuProcess(
        sandbox.base_url,
        database_url,
        tmp_path / "webhook.log",
        webhook=True,
        KEFU_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
        KEFU_WEBHOOK_SECRET=WEBHOOK_SECRET,
        KEFU_LISTEN=f"127.0.0.1:{port}",
        **staff,
    )
    alice = await client.create_user(1001, "Alice", language_code="en")
    try:
        async with Deployment(sandbox, database_url, tmp_path, 1, **staff).running():
            await poller.start()
            assert poller.process is not None
            assert await asyncio.wait_for(poller.process.wait(), 30) == 5
            refusal = poller.log_lines("Not started: another Kefu instance")
            assert refusal and "by webhook, which polling would delete" in refusal[0]
            # The webhook stayed: the running instance still answers.
            await alice.send("/help")
            await alice.chat.wait_for_text("How Kefu works")

        # Once the webhook instances have stopped, polling may start; then a webhook may not.
        await poller.start()
        await poller.ready()
        await late_webhook.start()
        assert late_webhook.process is not None
        assert await asyncio.wait_for(late_webhook.process.wait(), 30) == 5
        refusal = late_webhook.log_lines("Not started: another Kefu instance")
        assert refusal and "it polls this bot, and setting a webhook" in refusal[0]
        await alice.send("/help")  # the poller still has its updates
        await alice.chat.wait_for_text("How Kefu works")
    finally:
        await poller.close()
        await late_webhook.close()
