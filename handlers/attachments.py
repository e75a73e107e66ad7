"""Files customers send: photos, documents and videos, kept as Telegram file ids."""

from __future__ import annotations

from typing import Any

from telegram import Message
from telegram.ext import filters

from storage.enums import AttachmentKind

FILES = filters.PHOTO | filters.Document.ALL | filters.VIDEO


def from_message(message: Message) -> dict[str, Any]:
    """The file of a message as plain data (kept in a draft until the ticket exists)."""
    if message.photo:
        largest = message.photo[-1]
        return {
            "kind": AttachmentKind.PHOTO,
            "file_id": largest.file_id,
            "file_unique_id": largest.file_unique_id,
            "file_name": None,
            "mime_type": "image/jpeg",
            "size": largest.file_size,
        }
    media = message.document or message.video
    assert media is not None, "FILES filter lets only photos, documents and videos through"
    return {
        "kind": AttachmentKind.DOCUMENT if message.document else AttachmentKind.VIDEO,
        "file_id": media.file_id,
        "file_unique_id": media.file_unique_id,
        "file_name": getattr(media, "file_name", None),
        "mime_type": media.mime_type,
        "size": media.file_size,
    }
