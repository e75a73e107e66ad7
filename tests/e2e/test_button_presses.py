"""Buttons pressed at any time: each press is answered exactly once, a press that no longer
means anything says so and changes nothing, and Telegram never refuses one of Kefu's calls."""

from __future__ import annotations

from collections import Counter

import pytest

from sandbox.client import SandboxClient, SandboxUser
from tests.conftest import accept_privacy

pytestmark = pytest.mark.usefixtures("kefu_bot")


async def assert_each_press_answered_once(client: SandboxClient) -> None:
    answers = await client.calls("answerCallbackQuery")
    per_query = Counter(call["params"]["callback_query_id"] for call in answers)
    assert per_query and set(per_query.values()) == {1}, per_query
    refused = [call for call in await client.calls() if not call["ok"]]
    assert refused == [], refused


async def test_a_declined_customer_pressing_an_old_menu_is_asked_for_consent_once(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await alice.send("/menu")
    menu = await alice.chat.wait_for_text("How can we help you?")
    await alice.send("/start")
    await alice.chat.wait_for_text("Your privacy")
    await alice.press("Decline")
    await alice.chat.wait_for_text("we keep nothing about you")

    answer = await alice.press("Repair or installation", message_id=menu["message_id"])
    assert answer is not None  # the consent gate answered, and the notice followed
    await alice.chat.wait_for_text("Please read and accept our privacy notice first")
    await alice.chat.wait_for_text("Your privacy")
    await assert_each_press_answered_once(client)


async def test_wrong_and_old_buttons_mid_flow_are_answered_once_and_change_nothing(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    welcome_menu = (await alice.chat.messages())[-1]
    await alice.press("Complaint")
    await alice.chat.wait_for_text("What is your complaint about?")

    # Another flow's button on the old menu while a request is open: an alert, nothing else,
    # and the complaint's answers stay where they were.
    refusal = await alice.press("Repair or installation", message_id=welcome_menu["message_id"])
    assert refusal is not None and "Please finish this request first" in refusal["text"]
    await alice.press("Delivery")
    await alice.chat.wait_for_text("Please tell us what happened")

    await alice.press("Cancel")
    await alice.chat.wait_for_text("Cancelled. Nothing was sent to our team.")
    await assert_each_press_answered_once(client)
