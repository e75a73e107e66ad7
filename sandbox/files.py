"""Uploaded and generated files, addressable by file_id and by download path."""

from __future__ import annotations

import mimetypes
import secrets
from itertools import count

from sandbox.images import image_mime
from sandbox.model import StoredFile

# Telegram's file_ids start with a type tag; keeping the look helps spot mixed-up ids in logs.
_ID_PREFIX = {"photos": "AgAC", "documents": "BQAC", "stickers": "CAAC", "videos": "BAAC"}
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files, as Telegram does

# A 1x1 transparent WebP, the stand-in for stickers users send from the control API.
STICKER_WEBP = bytes.fromhex(
    "524946461a000000574542505650384c0d0000002f00000010071011118888fe0700"
)


def _extension(kind: str, data: bytes, file_name: str | None, mime_type: str | None) -> str:
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1][:10]
    if kind == "photos":
        return ".png" if image_mime(data) == "image/png" else ".jpg"
    if kind == "stickers":
        return ".webp"
    if kind == "videos" and not mime_type:
        return ".mp4"
    return mimetypes.guess_extension(mime_type or "") or ""


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = count()

    def add(
        self,
        data: bytes,
        kind: str,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        number = next(self._numbers)
        stored = StoredFile(
            file_id=_ID_PREFIX.get(kind, "BQAC") + secrets.token_urlsafe(36),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            file_path=f"{kind}/file_{number}{_extension(kind, data, file_name, mime_type)}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def clear(self) -> None:
        self._by_id.clear()
        self._by_path.clear()
