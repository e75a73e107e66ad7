"""What simulated people do: write, edit their messages, press buttons, block the bot."""

from __future__ import annotations

import secrets
import time
import zlib
from dataclasses import dataclass
from typing import Any

from sandbox.delivery import deliver_message, deliver_my_chat_member, push_update
from sandbox.errors import ControlError
from sandbox.markup import inline_buttons
from sandbox.model import Bot, Conversation, Group, Human, PendingCallback, StoredMessage
from sandbox.objects import admin_member, chat_json, human_json, message_json
from sandbox.state import SandboxState, now

_MEMBER = {"status": "member"}
_KICKED = {"status": "kicked", "until_date": 0}
_CALLBACK_KEEP_SECONDS = 600


@dataclass
class Place:
    """Where a person writes: their private chat with a bot, or a group they belong to."""

    conversation: Conversation
    group: Group | None
    bot: Bot | None


def human(state: SandboxState, user_id: Any) -> Human:
    person = state.humans.get(int(user_id)) if isinstance(user_id, int | str) else None
    if person is None:
        raise ControlError(404, f"unknown user {user_id}: create it with POST /sandbox/api/users")
    return person


def is_admin(group: Group, user_id: int) -> bool:
    return user_id in group.admins or user_id == group.owner


def place_for(
    state: SandboxState, person: Human, chat_id: int | None, bot_id: Any = None
) -> Place:
    if chat_id is None or chat_id == person.id:
        bot = state.control_bot(bot_id)
        return Place(state.conversation(person.id, bot.id), None, bot)
    group = state.groups.get(chat_id)
    if group is None:
        raise ControlError(404, f"unknown chat {chat_id}")
    if (
        group.username is None
        and person.id not in group.members
        and not is_admin(group, person.id)
    ):
        raise ControlError(403, f"user {person.id} is not a member of chat {chat_id}")
    return Place(state.conversation(chat_id, None), group, None)


def _thread(
    place: Place, person: Human, thread_id: int | None, reply: StoredMessage | None
) -> int | None:
    group = place.group
    if group is None or not group.is_forum:
        return None
    if not thread_id and reply is not None:
        thread_id = reply.thread_id
    admin = is_admin(group, person.id)
    if thread_id in (None, 0, 1):
        if group.general_closed and not admin:
            raise ControlError(403, "the General topic is closed: only administrators can write")
        return None
    topic = group.topics.get(thread_id)
    if topic is None:
        raise ControlError(404, f"unknown topic {thread_id} in chat {group.id}")
    if topic.is_closed and not admin:
        raise ControlError(403, f"topic {thread_id} is closed: only administrators can write")
    return thread_id


def set_blocked(state: SandboxState, person: Human, bot: Bot, blocked: bool) -> bool:
    """Blocks or unblocks; the bot gets my_chat_member as on Telegram. False if unchanged."""
    if blocked == (person.id in bot.blocked_by):
        return False
    if blocked:
        bot.blocked_by.add(person.id)
    else:
        bot.blocked_by.discard(person.id)
    old, new = (_MEMBER, _KICKED) if blocked else (_KICKED, _MEMBER)
    deliver_my_chat_member(state, bot, chat_json(state, person.id), person.id, old, new)
    state.events.publish("chat", person.id, bot_id=bot.id)
    return True


def write(
    state: SandboxState,
    person: Human,
    content: dict[str, Any],
    *,
    chat_id: int | None = None,
    bot_id: Any = None,
    thread_id: int | None = None,
    reply_to: int | None = None,
) -> tuple[Conversation, StoredMessage]:
    place = place_for(state, person, chat_id, bot_id)
    conversation = place.conversation
    reply = conversation.messages.get(reply_to) if reply_to else None
    if reply_to and reply is None:
        raise ControlError(400, f"no message {reply_to} in chat {conversation.chat_id}")
    thread = _thread(place, person, thread_id, reply)
    if place.bot is not None:
        # Writing to a blocked bot means pressing "Restart" first, which unblocks it.
        set_blocked(state, person, place.bot, False)
    reply_id = reply.message_id if reply else None
    if reply_id is None and thread is not None and thread in conversation.messages:
        reply_id = thread  # topic messages reply to the topic's creation message
    msg = StoredMessage(
        message_id=conversation.allocate_id(),
        chat_id=conversation.chat_id,
        sender_id=person.id,
        date=now(),
        content=content,
        thread_id=thread,
        is_topic_message=thread is not None,
        reply_to=reply_id,
    )
    state.add_message(conversation, msg)
    key = state.chat_key(conversation.chat_id, conversation.bot_id)
    if state.keyboards.user_sent(key, person.id):
        state.events.publish("keyboard", conversation.chat_id, bot_id=conversation.bot_id)
    deliver_message(state, conversation, msg)
    return conversation, msg


def edit(
    state: SandboxState,
    person: Human,
    chat_id: int | None,
    message_id: int,
    new_text: tuple[str, list[dict[str, Any]]],
    bot_id: Any = None,
) -> tuple[Conversation, StoredMessage]:
    """Edits a person's own message: its text, or the caption of a media message."""
    place = place_for(state, person, chat_id, bot_id)
    msg = place.conversation.messages.get(message_id)
    if msg is None:
        raise ControlError(404, f"no message {message_id} in chat {place.conversation.chat_id}")
    if msg.sender_id != person.id:
        raise ControlError(403, "people can only edit their own messages")
    text, entities = new_text
    if "text" in msg.content:
        changes: dict[str, Any] = {"text": text, "entities": entities}
    else:
        changes = {"caption": text, "caption_entities": entities}
    msg.content = {**msg.content, **changes}
    msg.content = {k: v for k, v in msg.content.items() if v not in (None, [], "")}
    msg.edit_date = now()
    state.publish("edit", place.conversation, msg)
    deliver_message(state, place.conversation, msg, kind="edited_message")
    return place.conversation, msg


def _forget_old_callbacks(state: SandboxState) -> None:
    horizon = time.time() - _CALLBACK_KEEP_SECONDS
    for query_id in [q for q, p in state.callbacks.items() if p.created < horizon]:
        del state.callbacks[query_id]


def press(
    state: SandboxState,
    person: Human,
    chat_id: int | None,
    message_id: int,
    data: str,
    bot_id: Any = None,
    *,
    forged: bool = False,
) -> PendingCallback:
    """Presses an inline button; `forged` sends any data, as a modified client can."""
    place = place_for(state, person, chat_id, bot_id)
    conversation = place.conversation
    msg = conversation.messages.get(message_id)
    if msg is None:
        raise ControlError(404, f"no message {message_id} in chat {conversation.chat_id}")
    bot = state.bots.get(msg.sender_id)
    if bot is None:
        raise ControlError(400, f"message {message_id} was not sent by a bot")
    datas = [b.get("callback_data") for b in inline_buttons(msg.reply_markup)]
    # The official apps only send what a button holds, but a modified one can send anything:
    # the Bot API warns that "the message originated the query can contain no callback
    # buttons with this data".
    if not forged and data not in datas:
        raise ControlError(
            400,
            f"message {message_id} has no button with callback_data {data!r} (has {datas}); "
            'say "forged": true to send it anyway',
        )
    _forget_old_callbacks(state)
    query_id = str(secrets.randbits(63))
    while query_id in state.callbacks:
        query_id = str(secrets.randbits(63))
    pending = PendingCallback(
        query_id, bot.id, person.id, conversation.chat_id, message_id, data, time.time()
    )
    state.callbacks[query_id] = pending
    instance = zlib.crc32(f"{bot.id}:{conversation.chat_id}".encode()) * 7919
    push_update(
        state,
        bot,
        "callback_query",
        {
            "id": query_id,
            "from": human_json(person),
            "message": message_json(state, conversation, msg),
            "chat_instance": str(instance),
            "data": data,
        },
    )
    return pending


def upsert_group(
    state: SandboxState,
    chat_id: int,
    title: str,
    *,
    is_forum: bool,
    members: set[int],
    admins: set[int],
    owner: int | None,
    bot_can_manage_topics: bool = True,
    username: str | None = None,
) -> Group:
    group = state.groups.get(chat_id)
    everyone = members | admins | ({owner} if owner else set())
    if group is None:
        group = Group(chat_id, title, is_forum, everyone, admins, owner, bot_can_manage_topics)
        group.username = username
        state.groups[chat_id] = group
        # Being added to a group is a my_chat_member update for each bot, as on Telegram.
        added = admin_member({}, can_manage_topics=bot_can_manage_topics)
        for bot in state.bots.values():
            actor = owner or next(iter(sorted(admins)), bot.id)
            chat = chat_json(state, chat_id)
            deliver_my_chat_member(state, bot, chat, actor, {"status": "left"}, added)
    else:
        group.title, group.is_forum = title, is_forum
        group.members, group.admins, group.owner = everyone, admins, owner
        group.bot_can_manage_topics = bot_can_manage_topics
        group.username = username
    state.events.publish("chat", chat_id)
    return group
