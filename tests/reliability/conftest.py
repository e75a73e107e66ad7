"""Fixtures for kill tests: a staff desk in the sandbox, and Kefu as a process that uses it.

`sandbox`, `client`, `staff_member` and `database_url` (SQLite, and PostgreSQL where
reachable) come from tests/conftest.py, so every kill test runs on both databases.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from tests.conftest import STAFF_CHAT_ID
from tests.reliability.process import KefuProcess

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Long kill runs (`@pytest.mark.slow`) are skipped unless KEFU_SLOW_TESTS=1, or unless
    markers are selected explicitly (`-m slow`): plain `pytest` runs the bounded forms only."""
    if os.environ.get("KEFU_SLOW_TESTS") == "1" or config.getoption("markexpr"):
        return
    skip = pytest.mark.skip(reason="a long kill run: set KEFU_SLOW_TESTS=1 or pass -m slow")
    for item in items:
        if "slow" in item.keywords and item.path.is_relative_to(HERE):
            item.add_marker(skip)


@pytest.fixture
async def desk(client: SandboxClient, staff_member: SandboxUser) -> None:
    """The staff forum group, in use already, with the sandbox's flood limits off (Kefu runs
    with KEFU_RATE_LIMIT=false): kill tests are about timing, not pacing."""
    await client.set_limits(enabled=False)
    await client.create_group(
        STAFF_CHAT_ID, "Kefu Staff Desk", is_forum=True, members=[staff_member.id]
    )
    # The sandbox numbers a new forum's first topic 1, which is General's id: a real staff
    # chat has older messages.
    await staff_member.send("Good morning, team!", chat_id=STAFF_CHAT_ID)


@pytest.fixture
async def kefu(
    sandbox: RunningSandbox, database_url: str, tmp_path: Path, desk: None
) -> AsyncIterator[KefuProcess]:
    """Kefu serving the staff desk, not started yet; killed at the end if still running."""
    process = KefuProcess(
        sandbox.base_url,
        database_url,
        tmp_path / "kefu.log",
        KEFU_STAFF_CHAT_ID=str(STAFF_CHAT_ID),
    )
    try:
        yield process
    finally:
        await process.close()
        # Captured output is shown only when the test fails: then Kefu's own log is there.
        print(f"Kefu's log ({process.log}):\n{process.tail(8000)}")
