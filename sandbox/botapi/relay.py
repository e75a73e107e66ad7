"""copyMessage(s) and forwardMessage(s): a message's content posted again by the bot."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.botapi.common import (
    Target,
    caption,
    charge_flood,
    ensure_can_write,
    post,
    render,
    reply_markup,
    resolve_chat,
    resolve_reply,
    resolve_thread,
)
from sandbox.botapi.registry import Call, bot_method
from sandbox.content import is_service, with_caption
from sandbox.errors import bad_request
from sandbox.model import StoredMessage
from sandbox.objects import user_json

MAX_BATCH = 100


def _sources(call: Call, ids: list[int], verb: str) -> tuple[Target, list[StoredMessage]]:
    source = resolve_chat(call, "from_chat_id")
    found = [source.conversation.messages.get(i) for i in ids]
    messages = [m for m in found if m is not None]
    if not messages:
        raise bad_request(f"message to {verb} not found")
    if any(is_service(m.content) for m in messages):
        raise bad_request(f"message can't be {verb.replace('copy', 'copi')}ed")
    return source, messages


def _origin(call: Call, original: StoredMessage) -> dict[str, Any]:
    if original.forward_origin:
        return original.forward_origin
    return {
        "type": "user",
        "date": original.date,
        "sender_user": user_json(call.state, original.sender_id),
    }


def _copy_content(call: Call, original: StoredMessage, recaption: bool) -> dict[str, Any]:
    content = copy.deepcopy(original.content)
    if recaption and "text" not in content and call.args.has("caption"):
        content.pop("caption", None)
        content.pop("caption_entities", None)
        with_caption(content, *caption(call))
    if call.args.flag("remove_caption"):
        content.pop("caption", None)
        content.pop("caption_entities", None)
    return content


def _relay(call: Call, ids: list[int], forward: bool) -> list[StoredMessage]:
    _, originals = _sources(call, ids, "forward" if forward else "copy")
    target = resolve_chat(call)
    reply = None if forward else resolve_reply(call, target)
    thread_id = resolve_thread(call, target, reply)
    ensure_can_write(call, target)
    markup = None if forward else reply_markup(call)
    charge_flood(call, target, len(originals))
    single = len(ids) == 1
    return [
        post(
            call,
            target,
            _copy_content(call, original, recaption=single and not forward),
            thread_id=thread_id,
            reply=reply,
            markup=markup,
            forward_origin=_origin(call, original) if forward else None,
        )
        for original in originals
    ]


def _message_ids(call: Call) -> list[int]:
    ids = call.args.json("message_ids", "message identifiers")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids):
        raise bad_request('parameter "message_ids" is required')
    if len(ids) > MAX_BATCH:
        raise bad_request("too many messages")
    return sorted(set(ids))


@bot_method("copyMessage")
async def copy_message(call: Call) -> dict[str, int]:
    (msg,) = _relay(call, [call.args.int("message_id")], forward=False)
    return {"message_id": msg.message_id}


@bot_method("forwardMessage")
async def forward_message(call: Call) -> dict[str, Any]:
    (msg,) = _relay(call, [call.args.int("message_id")], forward=True)
    return render(call, resolve_chat(call), msg)


@bot_method("copyMessages")
async def copy_messages(call: Call) -> list[dict[str, int]]:
    return [{"message_id": m.message_id} for m in _relay(call, _message_ids(call), False)]


@bot_method("forwardMessages")
async def forward_messages(call: Call) -> list[dict[str, int]]:
    return [{"message_id": m.message_id} for m in _relay(call, _message_ids(call), True)]
