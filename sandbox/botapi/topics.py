"""Forum topics: create, edit, close, reopen, delete (and the General topic)."""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import Target, resolve_chat
from sandbox.botapi.registry import Call, bot_method
from sandbox.errors import bad_request
from sandbox.model import Group, StoredMessage, Topic
from sandbox.objects import topic_json
from sandbox.state import now

# The six colours Telegram allows for topic icons.
ICON_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
MAX_TOPIC_NAME = 128


def _forum(call: Call) -> tuple[Target, Group]:
    target = resolve_chat(call)
    group = target.group
    if group is None or not group.is_forum:
        raise bad_request("the chat is not a forum")
    if not group.bot_can_manage_topics:
        raise bad_request("not enough rights to manage topics")
    return target, group


def _topic(call: Call, group: Group) -> Topic:
    topic = group.topics.get(call.args.int("message_thread_id"))
    if topic is None:
        raise bad_request("message thread not found")
    return topic


def _service(
    call: Call, target: Target, thread_id: int | None, content: dict[str, Any]
) -> StoredMessage:
    """Topic changes appear in the chat as service messages from the bot."""
    conversation = target.conversation
    message_id = conversation.allocate_id()
    msg = StoredMessage(
        message_id=message_id,
        chat_id=target.chat_id,
        sender_id=call.bot.id,
        date=now(),
        content=content,
        thread_id=thread_id,
        is_topic_message=thread_id is not None,
        reply_to=thread_id if thread_id not in (None, message_id) else None,
        sender_is_bot=True,
    )
    call.state.add_message(conversation, msg)
    call.state.events.publish("topic", target.chat_id, message_id, thread_id=thread_id)
    return msg


def _name(call: Call, required: bool) -> str | None:
    name = call.args.text("name").strip()
    if not name:
        if required:
            raise bad_request('parameter "name" is required')
        return None
    if len(name) > MAX_TOPIC_NAME:
        raise bad_request("TOPIC_TITLE_INVALID")
    return name


@bot_method("createForumTopic")
async def create_forum_topic(call: Call) -> dict[str, Any]:
    target, group = _forum(call)
    name = _name(call, required=True)
    assert name is not None
    color = call.args.int("icon_color", ICON_COLORS[0])
    if color not in ICON_COLORS:
        raise bad_request("invalid icon_color specified")
    emoji = call.args.text("icon_custom_emoji_id") or None
    thread_id = target.conversation.next_message_id  # a topic's id is its first message's id
    topic = Topic(thread_id, name, color, emoji)
    group.topics[thread_id] = topic
    created: dict[str, Any] = {"name": name, "icon_color": color}
    if emoji:
        created["icon_custom_emoji_id"] = emoji
    _service(call, target, thread_id, {"forum_topic_created": created})
    return topic_json(topic)


@bot_method("editForumTopic")
async def edit_forum_topic(call: Call) -> bool:
    target, group = _forum(call)
    topic = _topic(call, group)
    name = _name(call, required=False)
    emoji = call.args.values.get("icon_custom_emoji_id")
    edited: dict[str, Any] = {}
    if name is not None and name != topic.name:
        topic.name = edited["name"] = name
    if emoji is not None and (emoji or None) != topic.icon_custom_emoji_id:
        topic.icon_custom_emoji_id = emoji or None
        edited["icon_custom_emoji_id"] = emoji
    if not edited:
        raise bad_request("TOPIC_NOT_MODIFIED")
    _service(call, target, topic.thread_id, {"forum_topic_edited": edited})
    return True


def _set_closed(call: Call, closed: bool) -> bool:
    target, group = _forum(call)
    topic = _topic(call, group)
    if topic.is_closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.is_closed = closed
    key = "forum_topic_closed" if closed else "forum_topic_reopened"
    _service(call, target, topic.thread_id, {key: {}})
    return True


@bot_method("closeForumTopic")
async def close_forum_topic(call: Call) -> bool:
    return _set_closed(call, True)


@bot_method("reopenForumTopic")
async def reopen_forum_topic(call: Call) -> bool:
    return _set_closed(call, False)


def _set_general_closed(call: Call, closed: bool) -> bool:
    target, group = _forum(call)
    if group.general_closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    group.general_closed = closed
    key = "forum_topic_closed" if closed else "forum_topic_reopened"
    _service(call, target, None, {key: {}})
    return True


@bot_method("closeGeneralForumTopic")
async def close_general_forum_topic(call: Call) -> bool:
    return _set_general_closed(call, True)


@bot_method("reopenGeneralForumTopic")
async def reopen_general_forum_topic(call: Call) -> bool:
    return _set_general_closed(call, False)


@bot_method("deleteForumTopic")
async def delete_forum_topic(call: Call) -> bool:
    target, group = _forum(call)
    topic = _topic(call, group)
    del group.topics[topic.thread_id]
    messages = target.conversation.messages
    for message_id in [m.message_id for m in messages.values() if m.thread_id == topic.thread_id]:
        del messages[message_id]
    call.state.events.publish("topic", target.chat_id, thread_id=topic.thread_id)
    return True


@bot_method("unpinAllForumTopicMessages")
async def unpin_all_forum_topic_messages(call: Call) -> bool:
    _, group = _forum(call)
    _topic(call, group)
    return True
