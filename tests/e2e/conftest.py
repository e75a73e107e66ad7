"""Fixtures of the end-to-end tests beyond tests/conftest.py's."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from sandbox.server import RunningSandbox
from tests.conftest import TOKEN


@pytest.fixture
async def desk_bot(sandbox: RunningSandbox) -> AsyncIterator[Bot]:
    """A second handle on Kefu's bot account, to run a job (the SLA scan, surveys) as it would,
    or to announce a ticket stored directly."""
    async with Bot(
        TOKEN, base_url=f"{sandbox.base_url}/bot", base_file_url=f"{sandbox.base_url}/file/bot"
    ) as bot:
        yield bot
