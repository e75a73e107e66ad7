"""An abandoned flow ends politely after the configured time, and nothing reaches the staff."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from sandbox.client import SandboxUser
from tests.conftest import accept_privacy

pytestmark = pytest.mark.usefixtures("kefu_bot")


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    business = tmp_path / "kefu.toml"
    business.write_text("[support]\nconversation_timeout_minutes = 0.05\n")  # 3 seconds
    return settings.model_copy(update={"config": business})


async def test_abandoned_flow_times_out_politely(alice: SandboxUser) -> None:
    await accept_privacy(alice)
    await alice.press("Complaint")
    await alice.chat.wait_for_text("What is your complaint about?")
    notice = await alice.chat.wait_for_text("no answer for a while", timeout=15)
    assert "/start" in notice["text"]
    await alice.send("/tickets")
    await alice.chat.wait_for_text("You have no tickets yet")
