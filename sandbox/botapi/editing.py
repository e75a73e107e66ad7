"""Editing and deleting messages."""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import (
    Target,
    caption,
    check_text,
    find_message,
    formatted,
    render,
    reply_markup,
    resolve_chat,
)
from sandbox.botapi.registry import Call, bot_method
from sandbox.content import CAPTIONED_KEYS, is_service
from sandbox.errors import NOT_MODIFIED, bad_request
from sandbox.markup import Markup
from sandbox.model import StoredMessage
from sandbox.state import now


def _message_to_edit(call: Call) -> tuple[Target, StoredMessage]:
    if not call.args.text("chat_id") and not call.args.int("message_id"):
        if call.args.text("inline_message_id"):
            raise bad_request("inline messages are not supported by the Kefu sandbox")
        raise bad_request("message identifier is not specified")
    target = resolve_chat(call)
    msg = find_message(target, call.args.int("message_id"), "message to edit")
    if msg.sender_id != call.bot.id or is_service(msg.content):
        raise bad_request("message can't be edited")
    return target, msg


def _inline_markup(markup: Markup | None) -> dict[str, Any] | None:
    if markup is not None and markup.kind != "inline":
        raise bad_request("inline keyboard expected")
    return markup.value if markup else None


def _apply(
    call: Call, target: Target, msg: StoredMessage, changes: dict[str, Any], markup: Any
) -> dict[str, Any]:
    new_content = {**msg.content, **changes}
    new_content = {k: v for k, v in new_content.items() if v not in (None, [], "")}
    if new_content == msg.content and markup == msg.reply_markup:
        raise bad_request(NOT_MODIFIED)
    msg.content = new_content
    # Telegram drops the inline keyboard when an edit does not repeat it.
    msg.reply_markup = markup
    msg.edit_date = now()
    call.state.publish("edit", target.conversation, msg)
    return render(call, target, msg)


@bot_method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any]:
    raw = call.args.text("text")
    if not raw:
        raise bad_request("message text is empty")
    text, entities = formatted(call, raw, "parse_mode", "entities")
    markup = _inline_markup(reply_markup(call))
    target, msg = _message_to_edit(call)
    if "text" not in msg.content:
        raise bad_request("there is no text in the message to edit")
    check_text(text)
    return _apply(call, target, msg, {"text": text, "entities": entities}, markup)


@bot_method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any]:
    text, entities = caption(call)
    markup = _inline_markup(reply_markup(call))
    target, msg = _message_to_edit(call)
    if "text" in msg.content or not any(k in msg.content for k in CAPTIONED_KEYS):
        raise bad_request("there is no caption in the message to edit")
    return _apply(call, target, msg, {"caption": text, "caption_entities": entities}, markup)


@bot_method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    markup = _inline_markup(reply_markup(call))
    target, msg = _message_to_edit(call)
    return _apply(call, target, msg, {}, markup)


def _may_delete(msg: StoredMessage) -> bool:
    # Own messages anywhere; others' in private chats and, as an administrator, in groups;
    # but never the message that opened a forum topic.
    return "forum_topic_created" not in msg.content


def _delete(call: Call, target: Target, msg: StoredMessage) -> None:
    del target.conversation.messages[msg.message_id]
    call.state.publish("delete", target.conversation, msg)


@bot_method("deleteMessage")
async def delete_message(call: Call) -> bool:
    target = resolve_chat(call)
    message_id = call.args.int("message_id")
    if message_id <= 0:
        raise bad_request("message identifier is not specified")
    msg = find_message(target, message_id, "message to delete")
    if not _may_delete(msg):
        raise bad_request("message can't be deleted")
    _delete(call, target, msg)
    return True


@bot_method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    ids = call.args.json("message_ids", "message identifiers")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise bad_request('parameter "message_ids" is required')
    if len(ids) > 100:
        raise bad_request("too many messages")
    target = resolve_chat(call)
    for message_id in ids:
        msg = target.conversation.messages.get(message_id)
        if msg is not None and _may_delete(msg):
            _delete(call, target, msg)
    return True
