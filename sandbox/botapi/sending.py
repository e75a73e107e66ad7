"""Methods that send messages: text, media, albums, contacts, locations, chat actions."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.botapi.common import (
    MAX_CAPTION,
    caption,
    charge_flood,
    check_text,
    ensure_can_write,
    format_values,
    formatted,
    post,
    render,
    reply_markup,
    resolve_chat,
    resolve_reply,
    resolve_thread,
)
from sandbox.botapi.files import input_file
from sandbox.botapi.registry import Call, bot_method
from sandbox.content import (
    document,
    photo_sizes,
    sticker,
    text_content,
    video,
    with_caption,
)
from sandbox.errors import bad_request
from sandbox.markup import Markup
from sandbox.params import to_int

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip
MAX_ALBUM = 10


async def _send(call: Call, content: dict[str, Any], markup: Markup | None) -> dict[str, Any]:
    """The common tail of every single-message send: chat, reply, topic, flood, store."""
    target = resolve_chat(call)
    reply = resolve_reply(call, target)
    thread_id = resolve_thread(call, target, reply)
    ensure_can_write(call, target)
    if "text" in content:
        check_text(content["text"])
    charge_flood(call, target)
    msg = post(call, target, content, thread_id=thread_id, reply=reply, markup=markup)
    return render(call, target, msg)


@bot_method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    raw = call.args.text("text")
    if not raw:
        raise bad_request("message text is empty")
    text, entities = formatted(call, raw, "parse_mode", "entities")
    return await _send(call, text_content(text, entities), reply_markup(call))


@bot_method("sendPhoto")
async def send_photo(call: Call) -> dict[str, Any]:
    stored = input_file(call, "photo", "photo")
    text, entities = caption(call)
    content = with_caption({"photo": photo_sizes(stored)}, text, entities)
    return await _send(call, content, reply_markup(call))


@bot_method("sendDocument")
async def send_document(call: Call) -> dict[str, Any]:
    stored = input_file(call, "document", "document")
    text, entities = caption(call)
    content = with_caption({"document": document(stored)}, text, entities)
    return await _send(call, content, reply_markup(call))


def _video_sizes(values: dict[str, Any]) -> dict[str, int]:
    sizes = {}
    for key in ("width", "height", "duration"):
        raw = values.get(key)
        if raw not in (None, ""):
            sizes[key] = to_int(str(raw))
    return sizes


@bot_method("sendVideo")
async def send_video(call: Call) -> dict[str, Any]:
    stored = input_file(call, "video", "video")
    text, entities = caption(call)
    content = {"video": video(stored, **_video_sizes(call.args.values))}
    return await _send(call, with_caption(content, text, entities), reply_markup(call))


@bot_method("sendSticker")
async def send_sticker(call: Call) -> dict[str, Any]:
    stored = input_file(call, "sticker", "sticker")
    content = {"sticker": sticker(stored, call.args.text("emoji") or None)}
    return await _send(call, content, reply_markup(call))


@bot_method("sendContact")
async def send_contact(call: Call) -> dict[str, Any]:
    contact: dict[str, Any] = {
        "phone_number": call.args.required_text("phone_number"),
        "first_name": call.args.required_text("first_name"),
    }
    for key in ("last_name", "vcard"):
        if call.args.text(key):
            contact[key] = call.args.text(key)
    return await _send(call, {"contact": contact}, reply_markup(call))


def _coordinate(call: Call, name: str, limit: float) -> float:
    raw = call.args.text(name).strip()
    if not raw:
        raise bad_request(f"{name} is empty")
    try:
        value = float(raw)
    except ValueError:
        value = float(to_int(raw))
    if not -limit <= value <= limit:
        raise bad_request("wrong latitude or longitude specified")
    return value


@bot_method("sendLocation")
async def send_location(call: Call) -> dict[str, Any]:
    location = {
        "latitude": _coordinate(call, "latitude", 90),
        "longitude": _coordinate(call, "longitude", 180),
    }
    return await _send(call, {"location": location}, reply_markup(call))


def _album_item(call: Call, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise bad_request("can't parse InputMedia: expected an Object")
    kind = item.get("type")
    if kind not in ("photo", "document", "video"):
        raise bad_request(f'can\'t parse InputMedia: type "{kind}" is unsupported by the sandbox')
    stored = input_file(call, "media", kind, value=str(item.get("media") or ""))
    text, found = format_values(
        call,
        str(item.get("caption") or ""),
        str(item.get("parse_mode") or ""),
        item.get("caption_entities"),
    )
    if len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    if kind == "photo":
        body: dict[str, Any] = {"photo": photo_sizes(stored)}
    elif kind == "video":
        body = {"video": video(stored, **_video_sizes(item))}
    else:
        body = {"document": document(stored)}
    return with_caption(body, text, found)


@bot_method("sendMediaGroup")
async def send_media_group(call: Call) -> list[dict[str, Any]]:
    media = call.args.json("media", "media")
    if not isinstance(media, list) or not media:
        raise bad_request('parameter "media" is required')
    if len(media) > MAX_ALBUM:
        raise bad_request("too many messages to send as an album")
    contents = [_album_item(call, item) for item in media]
    # Documents only go with documents; photos and videos mix.
    kinds = {"document" in c for c in contents}
    if len(kinds) > 1:
        raise bad_request("can't use the media of the specified type in the album")
    target = resolve_chat(call)
    reply = resolve_reply(call, target)
    thread_id = resolve_thread(call, target, reply)
    ensure_can_write(call, target)
    charge_flood(call, target, len(contents))
    album = str(secrets.randbits(63)) if len(contents) > 1 else None
    sent = [
        post(call, target, c, thread_id=thread_id, reply=reply, markup=None, media_group_id=album)
        for c in contents
    ]
    return [render(call, target, msg) for msg in sent]


@bot_method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    action = call.args.text("action").strip().lower()
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    target = resolve_chat(call)
    resolve_thread(call, target, None)
    ensure_can_write(call, target)
    return True
