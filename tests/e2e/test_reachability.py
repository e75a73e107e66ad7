"""Blocking the bot is noticed at once; writing again makes the customer reachable again."""

from __future__ import annotations

import pytest

from bot.services import Kefu
from sandbox.client import SandboxUser
from tests.conftest import accept_privacy
from tests.e2e.helpers import wait_until_unreachable

pytestmark = pytest.mark.usefixtures("kefu_bot")


async def test_a_customer_who_blocks_and_comes_back_is_tracked(
    alice: SandboxUser, kefu: Kefu
) -> None:
    await accept_privacy(alice)
    await alice.block(True)
    await wait_until_unreachable(kefu, alice.id, expected=True)

    await alice.send("/start")  # unblocking on Telegram is writing to the bot again
    await alice.chat.wait_for_bot_message()
    await wait_until_unreachable(kefu, alice.id, expected=False)
