"""The attachment fields of a customer's or staff member's photo, document or video."""

from __future__ import annotations

from telegram import Message

from storage.enums import AttachmentKind


def file_of(message: Message) -> dict[str, object] | None:
    """The attachment fields of a photo, document or video message, else None."""
    if message.photo:
        photo = message.photo[-1]
        return {
            "kind": AttachmentKind.PHOTO,
            "telegram_file_id": photo.file_id,
            "telegram_file_unique_id": photo.file_unique_id,
            "mime_type": "image/jpeg",
            "size": photo.file_size,
        }
    media = message.document or message.video
    if media is None:
        return None
    return {
        "kind": AttachmentKind.DOCUMENT if message.document else AttachmentKind.VIDEO,
        "telegram_file_id": media.file_id,
        "telegram_file_unique_id": media.file_unique_id,
        "file_name": media.file_name,
        "mime_type": media.mime_type,
        "size": media.file_size,
    }
