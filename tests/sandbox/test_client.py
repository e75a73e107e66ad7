"""SandboxClient: cursors, waits and button presses behave as tests expect."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.client import SandboxClient, SandboxUser
from tests.sandbox.support import BotApi

ALICE, GROUP = 1001, -1001000000001
MENU = {"inline_keyboard": [[{"text": "Repair", "callback_data": "menu:repair"}],
                            [{"text": "Docs", "url": "https://example.com"}]]}  # fmt: skip


@pytest.fixture
async def alice(client: SandboxClient) -> SandboxUser:
    return await client.create_user(ALICE, "Alice", phone_number="+8613800000000")


async def test_cursor_moves_past_what_the_user_sent(alice: SandboxUser, api: BotApi) -> None:
    await api.ok("sendMessage", chat_id=ALICE, text="unsolicited")  # before the user speaks
    await alice.send("hello")
    waiting = asyncio.create_task(alice.chat.wait_for_bot_message())
    await api.ok("sendMessage", chat_id=ALICE, text="reply")
    assert (await waiting)["text"] == "reply"
    assert (await alice.chat.last_bot_message())["text"] == "reply"
    assert (await alice.chat.last_message())["text"] == "reply"


async def test_wait_for_text_skips_other_messages(alice: SandboxUser, api: BotApi) -> None:
    await alice.send("hi")
    for text in ("typing…", "still typing…", "Your ticket K-000001"):
        await api.ok("sendMessage", chat_id=ALICE, text=text)
    found = await alice.chat.wait_for_text("K-000001")
    assert found["text"] == "Your ticket K-000001"
    with pytest.raises(AssertionError, match="no bot message containing 'K-000001'") as failure:
        await alice.chat.wait_for_text("K-000001", timeout=0.2)
    assert "Your ticket K-000001" in str(failure.value)  # the transcript is shown


async def test_wait_for_several_messages_and_catch_up(alice: SandboxUser, api: BotApi) -> None:
    for text in ("one", "two", "three"):
        await api.ok("sendMessage", chat_id=ALICE, text=text)
    assert [m["text"] for m in await alice.chat.wait_for_bot_messages(2)] == ["one", "two"]
    await alice.chat.catch_up()
    with pytest.raises(AssertionError):
        await alice.chat.wait_for_bot_message(timeout=0.1)


async def test_wait_until_sees_edits(alice: SandboxUser, api: BotApi) -> None:
    sent = await api.ok("sendMessage", chat_id=ALICE, text="Working…")

    async def edit_later() -> None:
        await api.ok("editMessageText", chat_id=ALICE, message_id=sent["message_id"], text="Done")

    editing = asyncio.create_task(edit_later())
    edited = await alice.chat.wait_for_edit(sent["message_id"], "Done")
    await editing
    assert edited["text"] == "Done"
    with pytest.raises(AssertionError, match="condition not met"):
        await alice.chat.wait_until(lambda messages: len(messages) > 5, timeout=0.2)


async def test_press_explains_what_it_saw(alice: SandboxUser, api: BotApi) -> None:
    await api.ok("sendMessage", chat_id=ALICE, text="Menu", reply_markup=MENU)
    with pytest.raises(
        AssertionError, match=r"inline buttons of message #1: \['Repair', 'Docs'\]"
    ):
        await alice.press("Returns")
    with pytest.raises(AssertionError, match="has no callback_data"):
        await alice.press("Docs")


async def test_press_falls_back_to_the_reply_keyboard(alice: SandboxUser, api: BotApi) -> None:
    keyboard = {"keyboard": [["Share phone"], ["Skip"]]}
    keyboard["keyboard"][0] = [{"text": "Share phone", "request_contact": True}]
    await api.ok("sendMessage", chat_id=ALICE, text="Your phone?", reply_markup=keyboard)
    shared = await alice.press("Share phone")
    assert shared["contact"] == {
        "phone_number": "+8613800000000",
        "first_name": "Alice",
        "user_id": ALICE,
    }
    skipped = await alice.press("Skip")
    assert skipped["text"] == "Skip"
    assert alice.chat.cursor == skipped["message_id"]


async def test_views_of_topics_and_groups(
    client: SandboxClient, alice: SandboxUser, api: BotApi
) -> None:
    await client.create_group(GROUP, "Desk", members=[ALICE])
    topic = await api.ok("createForumTopic", chat_id=GROUP, name="T")
    thread = topic["message_thread_id"]
    desk = client.chat(GROUP)
    in_topic = desk.topic(thread)
    assert in_topic is client.chat(GROUP, thread)
    sent = await alice.send("in the topic", chat_id=GROUP, thread_id=thread)
    assert desk.cursor == in_topic.cursor == sent["message_id"]
    await api.ok("sendMessage", chat_id=GROUP, text="general")
    await api.ok("sendMessage", chat_id=GROUP, text="topic reply", message_thread_id=thread)
    assert (await in_topic.wait_for_bot_message())["text"] == "topic reply"
    assert (await desk.wait_for_bot_message())["text"] == "general"
    assert [m["text"] for m in await client.chat(GROUP, 1).messages()] == ["general"]
