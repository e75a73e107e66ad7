"""Message content fields (text, photo, document, ...) shaped as in the Bot API Message."""

from __future__ import annotations

from typing import Any

from sandbox.images import photo_size
from sandbox.model import StoredFile

JSON = dict[str, Any]


def with_caption(content: JSON, caption: str, entities: list[JSON]) -> JSON:
    if caption:
        content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
    return content


def text_content(text: str, entities: list[JSON]) -> JSON:
    content: JSON = {"text": text}
    if entities:
        content["entities"] = entities
    return content


def photo_sizes(stored: StoredFile) -> list[JSON]:
    # One size only: every size would be the same bytes here, and bots read photo[-1].
    width, height = photo_size(stored.data)
    return [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": len(stored.data),
        }
    ]


def document(stored: StoredFile) -> JSON:
    doc: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.file_name:
        doc["file_name"] = stored.file_name
    if stored.mime_type:
        doc["mime_type"] = stored.mime_type
    doc["file_size"] = len(stored.data)
    return doc


VIDEO_STAND_IN = {"width": 1280, "height": 720, "duration": 1}


def video(stored: StoredFile, **given: int) -> JSON:
    """A Video; sizes the sender gave win, then what is known of the file, then stand-ins."""
    result: JSON = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    for key, fallback in VIDEO_STAND_IN.items():
        value = given.get(key) or stored.meta.get(key) or fallback
        result[key] = stored.meta[key] = max(0, int(value))
    if stored.file_name:
        result["file_name"] = stored.file_name
    result["mime_type"] = stored.mime_type or "video/mp4"
    result["file_size"] = len(stored.data)
    return result


def sticker(stored: StoredFile, emoji: str | None) -> JSON:
    result: JSON = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    if emoji:
        result["emoji"] = emoji
    result["file_size"] = len(stored.data)
    return result


def visible_text(content: JSON) -> str:
    """The text a reader sees: the text, or the caption of a media message."""
    return str(content.get("text") or content.get("caption") or "")


MEDIA_KEYS = ("photo", "document", "video", "sticker", "contact", "location")
CAPTIONED_KEYS = ("photo", "document", "video")
SERVICE_KEYS = (
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
)


def is_service(content: JSON) -> bool:
    return any(key in content for key in SERVICE_KEYS)
