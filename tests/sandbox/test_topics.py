"""Forum topics: created, posted into, edited, closed and reopened as on Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from telegram.error import BadRequest

from sandbox.client import SandboxApiError, SandboxClient, SandboxUser
from tests.sandbox.conftest import Harness
from tests.sandbox.support import TOKEN, BotApi

DESK = -1001000000001
STAFF, ADMIN = 2001, 3001


@pytest.fixture
async def bot(sandbox: Harness) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TOKEN, base_url=f"{sandbox.base_url}/bot") as bot:
        yield bot


@pytest.fixture
async def staff(client: SandboxClient) -> SandboxUser:
    staff = await client.create_user(STAFF, "Li Wei")
    await client.create_user(ADMIN, "Amy")
    await client.create_group(DESK, "Staff desk", members=[STAFF], admins=[ADMIN])
    return staff


async def test_topic_life_cycle(
    bot: telegram.Bot, api: BotApi, client: SandboxClient, staff: SandboxUser
) -> None:
    topic = await bot.create_forum_topic(DESK, "K-000001 Alice", icon_color=0xFB6F5F)
    thread = topic.message_thread_id
    assert (topic.name, topic.icon_color) == ("K-000001 Alice", 0xFB6F5F)
    view = client.chat(DESK, thread)
    assert await view.topics() == [
        {"message_thread_id": thread, "name": "K-000001 Alice", "icon_color": 0xFB6F5F,
         "is_closed": False}
    ]  # fmt: skip

    card = await bot.send_message(DESK, "New ticket", message_thread_id=thread)
    assert card.message_thread_id == thread and card.is_topic_message
    # Telegram makes topic messages replies to the topic's first (service) message.
    assert card.reply_to_message.forum_topic_created.name == "K-000001 Alice"

    await staff.send("I'll take it", chat_id=DESK, thread_id=thread)
    updates = await api.ok("getUpdates")
    message = updates[-1]["message"]
    assert message["message_thread_id"] == thread and message["is_topic_message"] is True
    assert message["chat"] == {"id": DESK, "type": "supergroup", "title": "Staff desk",
                               "is_forum": True}  # fmt: skip

    await bot.edit_forum_topic(DESK, thread, name="K-000001 Alice (resolved)")
    with pytest.raises(BadRequest, match=r"(?i)topic_not_modified"):
        await bot.edit_forum_topic(DESK, thread, name="K-000001 Alice (resolved)")
    assert await bot.close_forum_topic(DESK, thread)
    assert (await view.topics())[0]["is_closed"] is True

    with pytest.raises(SandboxApiError, match="closed") as refused:
        await staff.send("still here?", chat_id=DESK, thread_id=thread)
    assert refused.value.status == 403
    await client.user(ADMIN).send("admins may", chat_id=DESK, thread_id=thread)
    # The bot manages topics, so like a Telegram admin it may still post in a closed one.
    await bot.send_message(DESK, "Closed by staff", message_thread_id=thread)

    assert await bot.reopen_forum_topic(DESK, thread)
    await staff.send("reopened", chat_id=DESK, thread_id=thread)
    services = [m for m in await view.messages() if not m.get("text")]
    kinds = [next(k for k in m if k.startswith("forum_topic_")) for m in services]
    assert kinds == [
        "forum_topic_created",
        "forum_topic_edited",
        "forum_topic_closed",
        "forum_topic_reopened",
    ]


async def test_bot_without_topic_rights_gets_topic_closed(
    bot: telegram.Bot, client: SandboxClient, staff: SandboxUser
) -> None:
    topic = await bot.create_forum_topic(DESK, "Old")
    await bot.close_forum_topic(DESK, topic.message_thread_id)
    await client.create_group(
        DESK, "Staff desk", members=[STAFF], admins=[ADMIN], bot_can_manage_topics=False
    )
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await bot.send_message(DESK, "x", message_thread_id=topic.message_thread_id)


async def test_unknown_threads_and_general(
    bot: telegram.Bot, client: SandboxClient, staff: SandboxUser
) -> None:
    with pytest.raises(BadRequest, match="Message thread not found"):
        await bot.send_message(DESK, "x", message_thread_id=424242)
    general = await bot.send_message(DESK, "in General")
    assert general.message_thread_id is None and not general.is_topic_message
    assert await bot.close_general_forum_topic(DESK)
    with pytest.raises(SandboxApiError, match="General topic is closed"):
        await staff.send("hi", chat_id=DESK)
    assert await bot.reopen_general_forum_topic(DESK)
    await staff.send("hi", chat_id=DESK)
    topic = await bot.create_forum_topic(DESK, "Gone soon")
    assert await bot.delete_forum_topic(DESK, topic.message_thread_id)
    assert await client.chat(DESK).topics() == []


async def test_replies_follow_their_topic(
    bot: telegram.Bot, client: SandboxClient, staff: SandboxUser
) -> None:
    topic = await bot.create_forum_topic(DESK, "Thread")
    question = await staff.send("question", chat_id=DESK, thread_id=topic.message_thread_id)
    answer = await bot.send_message(
        DESK, "answer", reply_parameters=telegram.ReplyParameters(question["message_id"])
    )
    assert answer.message_thread_id == topic.message_thread_id
    assert answer.reply_to_message.text == "question"
