"""What only one instance may do: polling a bot (Telegram hands its updates to one poller), and
running at all on a SQLite database. A second such instance refuses to start, saying why, instead
of fighting the first; once the first has stopped, or died on this machine, the next one starts
at once. (Several instances share a PostgreSQL database by webhook: tests/reliability/
test_instances.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from tests.conftest import STAFF_CHAT_ID
from tests.reliability.process import KefuProcess

pytestmark = pytest.mark.both_databases


def second(sandbox: RunningSandbox, database_url: str, tmp_path: Path) -> KefuProcess:
    return KefuProcess(
        sandbox.base_url,
        database_url,
        tmp_path / "second.log",
        KEFU_STAFF_CHAT_ID=str(STAFF_CHAT_ID),
    )


async def test_a_second_instance_refuses_to_start_until_the_first_is_gone(
    kefu: KefuProcess,
    sandbox: RunningSandbox,
    client: SandboxClient,
    database_url: str,
    tmp_path: Path,
) -> None:
    await kefu.start()
    await kefu.ready()
    other = second(sandbox, database_url, tmp_path)
    try:
        await other.start()
        assert other.process is not None
        assert await other.process.wait() == 5
        assert other.log_lines("Not started: another Kefu instance")

        # A clean stop lets go of the inbox: the next one starts.
        assert await kefu.stop() == 0
        await other.start()
        await other.ready()
        alice = await client.create_user(1001, "Alice", language_code="en")
        await alice.send("/help")
        await alice.chat.wait_for_text("How Kefu works")

        # One killed on this machine is seen to be gone at once: no wait for its lease.
        await other.kill()
        await kefu.start()
        await kefu.ready()
    finally:
        await other.close()
