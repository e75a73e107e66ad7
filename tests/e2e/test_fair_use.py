"""One customer cannot crowd out the others: a share of updates, a cap on open requests and on
files, and a flood that reaches the topic whole in a few merged posts."""

from __future__ import annotations

import pytest

from sandbox.client import SandboxClient, SandboxUser
from tests.conftest import STAFF_CHAT_ID, accept_privacy
from tests.e2e.helpers import TINY_PNG, ask_a_person, wait_for_topic

pytestmark = pytest.mark.usefixtures("kefu_bot")


@pytest.mark.fair_use
async def test_a_flood_is_told_to_wait_once_and_every_text_still_reaches_the_topic(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    assert "K-000001 is open" in await ask_a_person(alice, "Is the Quillon filter in stock?")
    topic = client.chat(
        STAFF_CHAT_ID, (await wait_for_topic(client, "#K-000001"))["message_thread_id"]
    )
    await topic.wait_for_text("Quillon filter")
    posts_before = len(await topic.messages())

    texts = [f"flood line {n:02d}" for n in range(40)]
    for text in texts:
        await alice.send(text)

    await topic.wait_until(
        lambda messages: all(any(t in (m.get("text") or "") for m in messages) for t in texts),
        timeout=30,
    )
    posts = len(await topic.messages()) - posts_before
    assert posts < len(texts)  # merged once the group's budget ran short
    warnings = [
        m
        for m in await alice.chat.messages()
        if "faster than we can take it in" in (m.get("text") or "")
    ]
    assert len(warnings) == 1


async def test_a_customer_with_the_most_open_requests_is_asked_to_add_to_one(
    alice: SandboxUser,
) -> None:
    await accept_privacy(alice)
    for n in range(5):
        assert "is open" in await ask_a_person(alice, f"Question number {n}")
    await alice.press("Repair or installation")
    refusal = await alice.chat.wait_for_text("You already have 5 open requests")
    assert "My tickets" in refusal["text"]
    # The FAQ is still open to them, but not another ticket through it.
    await alice.press("Ask a question")
    await alice.chat.wait_for_text("What would you like to know?")
    await alice.send("And one more question")
    await alice.chat.wait_for_bot_message()
    await alice.press("Talk to a person")
    await alice.chat.wait_for_text("You already have 5 open requests")


async def test_a_request_takes_at_most_its_share_of_files(alice: SandboxUser) -> None:
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    await alice.press("AquaPure 600G RO water purifier")
    await alice.chat.wait_for_text("serial number")
    await alice.send("SN-2025-0042")
    await alice.chat.wait_for_text("When did you buy it?")
    await alice.send("2026-01-05")
    await alice.chat.wait_for_text("describe the problem")
    await alice.send("Water leaks from the filter housing.")
    await alice.chat.wait_for_text("up to 10")
    for n in range(10):
        await alice.send_photo(TINY_PNG)
        await alice.chat.wait_for_text(f"{n + 1} file")
    await alice.send_photo(TINY_PNG)
    await alice.chat.wait_for_text("That is as many files as one request can take (10)")
