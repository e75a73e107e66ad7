"""At DEBUG, as in production, the log of a real conversation carries no token, name or words."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from bot.clock import ShiftedClock
from bot.config import Settings
from bot.logs import KeyValueFormatter, setup_logging
from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from tests.conftest import TOKEN, RunningBot, accept_privacy
from tests.e2e.helpers import ask_a_person, wait_for_topic

NAME, USERNAME = "Zyxwvu", "zyxwvu_q"
SENTENCE = "My teal kettle hums a quiet tune at midnight"
PHONE = "+86 138 0013 8000"
PHONE_FORMS = (PHONE, "13800138000", "138 0013 8000", "8613800138000")


def _levels() -> dict[str, int]:
    loggers = logging.root.manager.loggerDict.items()
    return {name: lg.level for name, lg in loggers if isinstance(lg, logging.Logger)}


@contextmanager
def production_logging() -> Iterator[io.StringIO]:
    """`setup_logging` exactly as `python -m bot` calls it, its handler writing to a buffer;
    the root's handlers and every level it changed are put back afterwards, so no other test
    logs through it."""
    root = logging.getLogger()
    saved_handlers, saved_level, before = root.handlers[:], root.level, _levels()
    setup_logging("DEBUG", secrets=(TOKEN,))
    changed = {name for name, level in _levels().items() if before.get(name) != level}
    written = io.StringIO()
    for handler in root.handlers:
        assert isinstance(handler, logging.StreamHandler)
        handler.setStream(written)
    try:
        yield written
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name in changed:
            logging.getLogger(name).setLevel(before.get(name, logging.NOTSET))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_debug_log_of_a_conversation_keeps_people_and_token_out(
    sandbox: RunningSandbox,
    client: SandboxClient,
    settings: Settings,
    clock: ShiftedClock,
    staff_chat: dict,
) -> None:
    with production_logging() as written:
        bot = RunningBot(settings, clock, sandbox)
        await bot.start()
        try:
            customer = await client.create_user(1101, NAME, username=USERNAME, language_code="en")
            await accept_privacy(customer)
            confirmation = await ask_a_person(customer, f"{SENTENCE}, call me on {PHONE}")
            assert "is open" in confirmation
            await wait_for_topic(client, "#")  # its name carries the customer's name
        finally:
            await bot.stop()
    log = written.getvalue()

    assert " DEBUG   telegram" in log, "the log must hold PTB's DEBUG lines to prove anything"
    assert "createForumTopic" in log, "the conversation must reach the staff desk"
    for secret in (TOKEN, TOKEN.partition(":")[2], NAME, USERNAME, SENTENCE, *PHONE_FORMS):
        assert secret not in log, f"{secret!r} leaked into the log"
    assert "/bot<token>" in log and "'text': '<redacted>'" in log
    assert not any(isinstance(h.formatter, KeyValueFormatter) for h in logging.root.handlers)
