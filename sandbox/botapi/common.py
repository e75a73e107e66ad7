"""What the sending and editing methods share: chats, threads, replies, text, keyboards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.botapi.registry import Call
from sandbox.entities import EntityError, format_text
from sandbox.errors import (
    BLOCKED,
    CHAT_NOT_FOUND,
    ApiError,
    bad_request,
    forbidden,
    too_many_requests,
)
from sandbox.markup import Markup, parse_reply_markup
from sandbox.model import Conversation, Group, Human, StoredMessage
from sandbox.objects import message_json, user_json
from sandbox.params import to_int
from sandbox.state import now

MAX_TEXT = 4096
MAX_CAPTION = 1024


@dataclass
class Target:
    chat_id: int
    conversation: Conversation
    group: Group | None = None
    human: Human | None = None


def resolve_chat(call: Call, name: str = "chat_id") -> Target:
    raw = call.args.text(name).strip()
    if not raw:
        raise bad_request(f"{name} is empty")
    # "@name" resolves public supergroups and channels only; the sandbox has neither.
    chat_id = 0 if raw.startswith("@") else to_int(raw)
    state = call.state
    if chat_id < 0 and chat_id in state.groups:
        return Target(chat_id, state.conversation(chat_id, None), group=state.groups[chat_id])
    if chat_id > 0 and chat_id in state.humans:
        conversation = state.conversation(chat_id, call.bot.id)
        return Target(chat_id, conversation, human=state.humans[chat_id])
    raise bad_request(CHAT_NOT_FOUND)


def ensure_can_write(call: Call, target: Target) -> None:
    if target.human is not None and target.human.id in call.bot.blocked_by:
        raise forbidden(BLOCKED)


def resolve_reply(call: Call, target: Target) -> StoredMessage | None:
    params = call.args.json("reply_parameters", "reply parameters")
    if params is not None:
        if not isinstance(params, dict):
            raise bad_request("can't parse reply parameters JSON object")
        message_id = params.get("message_id")
        if isinstance(message_id, str):
            message_id = to_int(message_id)
        if not isinstance(message_id, int):
            raise bad_request('can\'t parse reply parameters: Field "message_id" must be a Number')
        allow_missing = bool(params.get("allow_sending_without_reply"))
        other_chat = params.get("chat_id")
        if other_chat not in (None, "", target.chat_id, str(target.chat_id)):
            raise bad_request("message to be replied not found")
    else:
        message_id = call.args.int("reply_to_message_id")
        allow_missing = call.args.flag("allow_sending_without_reply")
    if message_id <= 0:
        return None
    replied = target.conversation.messages.get(message_id)
    if replied is None and not allow_missing:
        raise bad_request("message to be replied not found")
    return replied


def resolve_thread(call: Call, target: Target, reply: StoredMessage | None) -> int | None:
    """The forum topic a message goes to (None: General, or not a forum)."""
    group = target.group
    if group is None or not group.is_forum:
        return None
    thread_id = call.args.int("message_thread_id")
    if thread_id <= 0 and reply is not None and reply.thread_id:
        thread_id = reply.thread_id
    if thread_id in (0, 1):  # 1 is the General topic
        if group.general_closed and not group.bot_can_manage_topics:
            raise bad_request("TOPIC_CLOSED")
        return None
    topic = group.topics.get(thread_id)
    if topic is None:
        raise bad_request("message thread not found")
    # Administrators with can_manage_topics may still post into closed topics.
    if topic.is_closed and not group.bot_can_manage_topics:
        raise bad_request("TOPIC_CLOSED")
    return thread_id


def format_values(call: Call, text: str, parse_mode: str, entities: Any) -> tuple[str, list]:
    try:
        return format_text(
            text,
            parse_mode,
            entities,
            lookup_user=lambda user_id: user_json(call.state, user_id),
        )
    except EntityError as error:
        raise bad_request(str(error)) from None


def formatted(call: Call, text: str, mode_param: str, entities_param: str) -> tuple[str, list]:
    try:
        entities = call.args.json(entities_param, "entities")
    except ApiError:
        entities = None  # Telegram ignores an unreadable entities parameter
    return format_values(call, text, call.args.text(mode_param), entities)


def check_text(text: str) -> None:
    if not text:
        raise bad_request("text must be non-empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")


def caption(call: Call) -> tuple[str, list]:
    text, entities = formatted(call, call.args.text("caption"), "parse_mode", "caption_entities")
    if len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return text, entities


def reply_markup(call: Call) -> Markup | None:
    return parse_reply_markup(call.args.json("reply_markup", "reply keyboard markup"))


def charge_flood(call: Call, target: Target, count: int = 1) -> None:
    retry_after = call.state.flood.charge(
        call.bot.id, target.chat_id, target.group is not None, count
    )
    if retry_after is not None:
        raise too_many_requests(retry_after)


def _selective_targets(call: Call, content: dict[str, Any], reply: StoredMessage | None) -> set:
    """Who a selective keyboard is for: @mentioned users and the author of the replied message."""
    targets: set[int] = set()
    text = str(content.get("text") or content.get("caption") or "")
    for entity in content.get("entities", []) + content.get("caption_entities", []):
        if entity["type"] == "text_mention":
            targets.add(entity["user"]["id"])
        elif entity["type"] == "mention":
            encoded = text.encode("utf-16-le")
            start, length = entity["offset"] * 2, entity["length"] * 2
            username = encoded[start : start + length].decode("utf-16-le")
            user_id = call.state.find_user_by_username(username)
            if user_id is not None:
                targets.add(user_id)
    if reply is not None and not reply.sender_is_bot:
        targets.add(reply.sender_id)
    return targets


def post(
    call: Call,
    target: Target,
    content: dict[str, Any],
    *,
    thread_id: int | None,
    reply: StoredMessage | None,
    markup: Markup | None,
    media_group_id: str | None = None,
    forward_origin: dict[str, Any] | None = None,
) -> StoredMessage:
    """Stores a message written by the calling bot and updates the reply keyboard state."""
    conversation = target.conversation
    reply_to = reply.message_id if reply else None
    if reply_to is None and thread_id is not None and thread_id in conversation.messages:
        # Telegram makes every topic message a reply to the topic's creation message.
        reply_to = thread_id
    msg = StoredMessage(
        message_id=conversation.allocate_id(),
        chat_id=target.chat_id,
        sender_id=call.bot.id,
        date=now(),
        content=content,
        thread_id=thread_id,
        is_topic_message=thread_id is not None,
        reply_to=reply_to,
        reply_markup=markup.value if markup and markup.kind == "inline" else None,
        media_group_id=media_group_id,
        forward_origin=forward_origin,
        sender_is_bot=True,
    )
    call.state.add_message(conversation, msg)
    key = call.state.chat_key(target.chat_id, conversation.bot_id)
    targets = _selective_targets(call, content, reply)
    if call.state.keyboards.apply(key, markup, targets, private=target.group is None):
        call.state.events.publish("keyboard", target.chat_id, bot_id=conversation.bot_id)
    return msg


def render(call: Call, target: Target, msg: StoredMessage) -> dict[str, Any]:
    return message_json(call.state, target.conversation, msg)


def find_message(target: Target, message_id: int, what: str) -> StoredMessage:
    msg = target.conversation.messages.get(message_id) if message_id > 0 else None
    if msg is None:
        raise bad_request(f"{what} not found")
    return msg
