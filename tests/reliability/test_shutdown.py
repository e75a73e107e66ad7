"""SIGTERM stops Kefu within 10 s even with an update stuck on a Telegram call: it stops taking
updates, lets the ones in hand finish for a grace period, says what it left, and the next start
handles what was left."""

from __future__ import annotations

import time

from sandbox.client import SandboxClient
from tests.reliability.process import KefuProcess

UNHANDLED = "SELECT update_id FROM inbox_updates WHERE processed_at IS NULL"


async def test_sigterm_with_a_stuck_update_exits_within_10_s_and_leaves_it_for_the_next_start(
    kefu: KefuProcess, client: SandboxClient
) -> None:
    alice = await client.create_user(1001, "Alice", language_code="en")
    await kefu.start()
    await kefu.ready()
    # Every send hangs (PTB gives up on each after its 5 s read timeout, and the apology hangs
    # in turn): the update is still in hand when the grace period ends.
    await client.add_fault("sendMessage", "hang", count=10, hang_seconds=60)
    await alice.send("/help")
    await kefu.until(lambda: client.calls("sendMessage"), 10, "the reply is under way")

    asked = time.monotonic()
    assert await kefu.stop() == 0
    took = time.monotonic() - asked
    assert took < 10, f"took {took:.1f} s to stop"
    assert len(await kefu.query(UNHANDLED)) == 1
    assert kefu.log_lines("stopped; 1 updates left in the inbox for the next start")

    await client.clear_faults()
    await kefu.start()
    await alice.chat.wait_for_text("How Kefu works", timeout=30)
