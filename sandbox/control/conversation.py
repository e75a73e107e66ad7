"""Control endpoints for what happens in chats: writing, editing, pressing, reading."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from typing import Any

from aiohttp import web

from sandbox.content import (
    document,
    is_service,
    photo_sizes,
    sticker,
    text_content,
    video,
    with_caption,
)
from sandbox.control.common import (
    as_int,
    body,
    endpoint,
    fail,
    need_int,
    ok,
    query_float,
    query_int,
    state_of,
)
from sandbox.entities import detect_entities
from sandbox.errors import ControlError
from sandbox.files import STICKER_WEBP, StoreFull
from sandbox.images import image_mime
from sandbox.model import Conversation, StoredMessage
from sandbox.objects import message_json, topic_json
from sandbox.state import SandboxState
from sandbox.useractions import edit, human, press, write

MAX_TEXT = 4096
MAX_WAIT = 120.0
_NOTHING_TO_SEND = "a message needs text, photo, document, video, sticker, contact or location"


def _decode(data: Any, name: str) -> bytes:
    try:
        return base64.b64decode(str(data), validate=True)
    except (binascii.Error, ValueError):
        raise ControlError(400, f'"{name}" must be base64') from None


def _text(value: Any) -> tuple[str, list[dict[str, Any]]]:
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise ControlError(400, f"text is longer than {MAX_TEXT} characters")
    return text, detect_entities(text)


def _content(state: SandboxState, data: dict[str, Any]) -> dict[str, Any]:
    """A person's message content from the control request (text, photo, document, ...)."""
    caption, caption_entities = _text(data.get("caption") or "")
    if data.get("photo"):
        raw = _decode(data["photo"], "photo")
        stored = state.files.add(raw, "photos", mime_type=image_mime(raw) or "image/jpeg")
        return with_caption({"photo": photo_sizes(stored)}, caption, caption_entities)
    if data.get("document"):
        doc = data["document"]
        if not isinstance(doc, dict) or not doc.get("file_name") or "content" not in doc:
            raise ControlError(400, '"document" needs "file_name" and base64 "content"')
        raw = _decode(doc["content"], "document.content")
        mime = str(doc.get("mime_type") or "application/octet-stream")
        stored = state.files.add(raw, "documents", mime_type=mime, file_name=doc["file_name"])
        return with_caption({"document": document(stored)}, caption, caption_entities)
    if data.get("video"):
        clip = data["video"]
        if not isinstance(clip, dict) or "content" not in clip:
            raise ControlError(400, '"video" needs base64 "content"')
        raw = _decode(clip["content"], "video.content")
        mime = str(clip.get("mime_type") or "video/mp4")
        name = str(clip.get("file_name") or "video.mp4")
        stored = state.files.add(raw, "videos", mime_type=mime, file_name=name)
        sizes = {k: int(clip[k]) for k in ("width", "height", "duration") if clip.get(k)}
        return with_caption({"video": video(stored, **sizes)}, caption, caption_entities)
    if data.get("sticker") is not None:
        emoji = str((data["sticker"] or {}).get("emoji") or "👍")
        stored = state.files.add(STICKER_WEBP, "stickers", mime_type="image/webp")
        return {"sticker": sticker(stored, emoji)}
    if data.get("contact"):
        contact = data["contact"]
        if not contact.get("phone_number") or not contact.get("first_name"):
            raise ControlError(400, '"contact" needs "phone_number" and "first_name"')
        keys = ("phone_number", "first_name", "last_name", "user_id", "vcard")
        return {"contact": {k: contact[k] for k in keys if contact.get(k) not in (None, "")}}
    if data.get("location"):
        location = data["location"]
        return {
            "location": {
                "latitude": float(location["latitude"]),
                "longitude": float(location["longitude"]),
            }
        }
    text, entities = _text(data.get("text") or "")
    if not text:
        raise ControlError(400, _NOTHING_TO_SEND)
    return text_content(text, entities)


@endpoint
async def post_message(request: web.Request) -> web.Response:
    data = await body(request)
    state = state_of(request)
    person = human(state, data.get("from"))
    try:
        content = _content(state, data)
    except StoreFull as full:
        raise ControlError(413, str(full)) from None
    conversation, msg = write(
        state,
        person,
        content,
        chat_id=as_int(data.get("chat_id"), "chat_id", required=False),
        bot_id=data.get("bot_id"),
        thread_id=as_int(data.get("message_thread_id"), "message_thread_id", required=False),
        reply_to=as_int(data.get("reply_to_message_id"), "reply_to_message_id", required=False),
    )
    return ok({"message": message_json(state, conversation, msg)})


@endpoint
async def post_edit(request: web.Request) -> web.Response:
    data = await body(request)
    state = state_of(request)
    person = human(state, data.get("from"))
    text, entities = _text(data.get("text") or "")
    if not text:
        raise ControlError(400, '"text" is required')
    conversation, msg = edit(
        state,
        person,
        as_int(data.get("chat_id"), "chat_id", required=False),
        need_int(data.get("message_id"), "message_id"),
        (text, entities),
        data.get("bot_id"),
    )
    return ok({"message": message_json(state, conversation, msg)})


@endpoint
async def post_callback(request: web.Request) -> web.Response:
    data = await body(request)
    state = state_of(request)
    person = human(state, data.get("from"))
    forged = data.get("forged", False)
    if not isinstance(forged, bool):
        raise ControlError(400, '"forged" must be true or false')
    pending = press(
        state,
        person,
        as_int(data.get("chat_id"), "chat_id", required=False),
        need_int(data.get("message_id"), "message_id"),
        str(data.get("data", "")),
        data.get("bot_id"),
        forged=forged,
    )
    timeout = min(float(data.get("timeout", 5.0)), MAX_WAIT)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(pending.answered.wait(), timeout)
    return ok({"callback_query_id": pending.id, "answer": pending.answer})


def _conversation(request: web.Request) -> Conversation:
    state = state_of(request)
    chat_id = int(request.match_info["chat_id"])
    if chat_id > 0:
        human(state, chat_id)
        bot_id = query_int(request, "bot_id")
        if bot_id is None and state.default_bot_id is None:
            raise ControlError(404, "no bot has connected yet, so there is no private chat")
        return state.conversation(chat_id, state.control_bot(bot_id).id)
    if chat_id not in state.groups:
        raise ControlError(404, f"unknown chat {chat_id}")
    return state.conversation(chat_id, None)


def _thread_filter(request: web.Request) -> Any:
    raw = request.query.get("thread_id", "")
    if raw in ("", "all"):
        return "all"
    if raw in ("general", "1", "0"):
        return None
    return int(raw)


def _select(
    conversation: Conversation, after: int, thread: Any, bots_only: bool = False
) -> list[StoredMessage]:
    chosen: list[StoredMessage] = []
    # Newest first, stopping at `after`: waits stay cheap however long the chat grows.
    for m in reversed(conversation.messages.values()):
        if m.message_id <= after:
            break
        if (thread == "all" or m.thread_id == thread) and (
            not bots_only or (m.sender_is_bot and not is_service(m.content))
        ):
            chosen.append(m)
    chosen.reverse()
    return chosen


@endpoint
async def list_messages(request: web.Request) -> web.Response:
    state = state_of(request)
    conversation = _conversation(request)
    chosen = _select(conversation, query_int(request, "after") or 0, _thread_filter(request))
    return ok({"messages": [message_json(state, conversation, m) for m in chosen]})


@endpoint
async def wait_messages(request: web.Request) -> web.Response:
    """Newer bot messages (not service messages) as soon as there are any; 408 on timeout."""
    state = state_of(request)
    conversation = _conversation(request)
    after, thread = query_int(request, "after") or 0, _thread_filter(request)
    timeout = min(query_float(request, "timeout", 10.0), MAX_WAIT)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        chosen = _select(conversation, after, thread, bots_only=True)
        if chosen:
            return ok({"messages": [message_json(state, conversation, m) for m in chosen]})
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0 or state.closing:
            return fail(408, f"no new bot message within {timeout:g} s")
        await state.events.wait_change(remaining)


@endpoint
async def keyboard(request: web.Request) -> web.Response:
    state = state_of(request)
    conversation = _conversation(request)
    user_id = query_int(request, "user")
    if user_id is None:
        if conversation.chat_id < 0:
            raise ControlError(400, '"user" is required for a group')
        user_id = conversation.chat_id
    key = (conversation.bot_id, conversation.chat_id)
    return ok({"keyboard": state.keyboards.shown(key, user_id)})


@endpoint
async def topics(request: web.Request) -> web.Response:
    state = state_of(request)
    chat_id = int(request.match_info["chat_id"])
    group = state.groups.get(chat_id)
    if group is None:
        raise ControlError(404, f"unknown group {chat_id}")
    result = [{**topic_json(t), "is_closed": t.is_closed} for t in group.topics.values()]
    return ok({"topics": result})


@endpoint
async def file_content(request: web.Request) -> web.StreamResponse:
    stored = state_of(request).files.get(request.match_info["file_id"])
    if stored is None:
        raise ControlError(404, "unknown file_id")
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )
