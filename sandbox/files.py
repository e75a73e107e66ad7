"""Uploaded and generated files, addressable by file_id and by download path.

A file belongs to the bots that may use it. On Telegram every bot has its own file_ids, so a
bot can only use (send again, getFile, download) a file it uploaded or was shown in an update
or a method's result; another bot's file_id is refused like an unknown one. The sandbox keeps
one file_id per file and, for each file, the set of bots it was shown to.
"""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Iterator
from itertools import count
from typing import Any

from sandbox.images import image_mime
from sandbox.model import StoredFile

# Telegram's file_ids start with a type tag; keeping the look helps spot mixed-up ids in logs.
_ID_PREFIX = {"photos": "AgAC", "documents": "BQAC", "stickers": "CAAC", "videos": "BAAC"}
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024  # getFile refuses bigger files, as Telegram does
MAX_UPLOAD_SIZE = 50 * 1024 * 1024  # bots may upload files of up to 50 MB
DEFAULT_MAX_TOTAL = 256 * 1024 * 1024  # what the sandbox holds in memory, all files together

# A 1x1 transparent WebP, the stand-in for stickers users send from the control API.
STICKER_WEBP = bytes.fromhex(
    "524946461a000000574542505650384c0d0000002f00000010071011118888fe0700"
)


class StoreFull(Exception):
    """Storing the file would take the sandbox past its total memory cap for files."""


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


def file_ids_in(value: Any) -> Iterator[str]:
    """Every file_id in a Bot API object (a Message, an Update, a method's result)."""
    if isinstance(value, dict):
        file_id = value.get("file_id")
        if isinstance(file_id, str):
            yield file_id
        for item in value.values():
            if isinstance(item, dict | list):
                yield from file_ids_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from file_ids_in(item)


class FileStore:
    def __init__(self, max_total_bytes: int | None = DEFAULT_MAX_TOTAL) -> None:
        self.max_total_bytes = max_total_bytes  # None: no cap
        self.total_bytes = 0
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._numbers = count()

    def has_room(self, size: int) -> bool:
        cap = self.max_total_bytes
        return cap is None or self.total_bytes + size <= cap

    def add(
        self,
        data: bytes,
        kind: str,
        *,
        owner: int | None = None,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        """Stores a file for `owner` (a bot id; None until shown to a bot); raises StoreFull."""
        if not self.has_room(len(data)):
            raise StoreFull(
                f"storing {len(data)} more bytes would exceed the sandbox's cap of "
                f"{self.max_total_bytes} bytes for files ({self.total_bytes} held)"
            )
        number = next(self._numbers)
        stored = StoredFile(
            file_id=_ID_PREFIX.get(kind, "BQAC") + secrets.token_urlsafe(36),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            file_path=f"{kind}/file_{number}{_extension(kind, data, file_name, mime_type)}",
            data=data,
            mime_type=mime_type,
            file_name=file_name,
            bot_ids={owner} if owner is not None else set(),
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        self.total_bytes += len(data)
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        """Any bot's file: for the control API, which sees everything."""
        return self._by_id.get(file_id)

    def for_bot(self, file_id: str, bot_id: int) -> StoredFile | None:
        stored = self._by_id.get(file_id)
        return stored if stored is not None and bot_id in stored.bot_ids else None

    def path_for_bot(self, file_path: str, bot_id: int) -> StoredFile | None:
        stored = self._by_path.get(file_path)
        return stored if stored is not None and bot_id in stored.bot_ids else None

    def share(self, bot_id: int, shown: Any) -> None:
        """The bot was shown `shown` (an update, a result): it may use the files in it."""
        for file_id in file_ids_in(shown):
            stored = self._by_id.get(file_id)
            if stored is not None:
                stored.bot_ids.add(bot_id)

    def clear(self) -> None:
        self._by_id.clear()
        self._by_path.clear()
        self.total_bytes = 0
