"""Shared pieces of the markup parsers: UTF-16 lengths, the growing text, parse errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

Entity = dict[str, Any]


class EntityError(Exception):
    """Markup Telegram refuses; str(error) is the text after "Bad Request: "."""


def utf16_len(text: str) -> int:
    # Entity offsets and lengths are counted in UTF-16 code units, as Telegram does.
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def byte_offset(src: str, index: int) -> int:
    """Telegram's parse errors name UTF-8 byte offsets into the original text."""
    return len(src[:index].encode("utf-8"))


class TextBuilder:
    def __init__(self) -> None:
        self._parts: list[str] = []
        self.u16 = 0

    def add(self, chunk: str) -> None:
        if chunk:
            self._parts.append(chunk)
            self.u16 += utf16_len(chunk)

    def ends_with_newline(self) -> bool:
        return bool(self._parts) and self._parts[-1].endswith("\n")

    def text(self) -> str:
        return "".join(self._parts)


def cant_parse(reason: str) -> EntityError:
    return EntityError(f"can't parse entities: {reason}")


def mention_user_id(url: str) -> int | None:
    """tg://user?id=123 links become text_mention entities."""
    prefix = "tg://user?id="
    if url.lower().startswith(prefix) and url[len(prefix) :].isdigit():
        return int(url[len(prefix) :])
    return None


def normalize_url(url: str) -> str | None:
    """A link's URL the way Telegram stores it (scheme added, "/" after a bare host)."""
    url = url.strip()
    if not url:
        return None
    if url.lower().startswith("tg://"):
        return url
    if "://" not in url and not url.lower().startswith("mailto:"):
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https", "ftp", "mailto", "tonsite"):
        return None
    if parts.scheme.lower() != "mailto" and (not parts.hostname or " " in parts.netloc):
        return None
    if parts.scheme.lower() in ("http", "https", "ftp") and not parts.path:
        url = parts._replace(path="/").geturl()
    return url
