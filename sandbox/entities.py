"""Message text as Telegram stores it: markup parsed, entities normalised and auto-detected.

The result is the plain text plus MessageEntity dicts with UTF-16 offsets, e.g.
format_text("<b>Hi</b> /start", "HTML") -> ("Hi /start", [bold 0..2, bot_command 3..9]).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox.entities_html import parse_html
from sandbox.entities_markdown import parse_markdown, parse_markdown_v2
from sandbox.textbuild import Entity, EntityError, normalize_url, utf16_len

__all__ = ["EntityError", "detect_entities", "format_text", "utf16_len"]

UserLookup = Callable[[int], dict[str, Any]]

_MARKUP_TYPES = frozenset(
    {
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre", "text_link",
        "text_mention", "custom_emoji", "blockquote", "expandable_blockquote",
    }
)  # fmt: skip
# Telegram finds these by itself and ignores them when a bot passes them.
_AUTO_TYPES = frozenset(
    {"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number",
     "bank_card_number"}
)  # fmt: skip
# No automatic entity is detected inside these.
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})

_DETECTORS = (
    ("url", re.compile(r"(?<![\w@])(?:https?|ftp|tg)://[^\s<>\"«»]+", re.IGNORECASE)),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{4,32}(?![\w@])")),
    ("hashtag", re.compile(r"(?<![\w#])#(?=\w*[^\W\d_])\w+")),
    ("cashtag", re.compile(r"(?<![\w$])\$[A-Z]{3,8}(?![\w])")),
)
_URL_TAIL = ".,;:!?)'\""
# tdlib's order for entities over the same range (MessageEntity::get_type_priority)
_PRIORITY = {
    "blockquote": 0, "expandable_blockquote": 0, "pre": 11, "code": 20, "text_link": 49,
    "text_mention": 49, "bold": 90, "italic": 91, "underline": 92, "strikethrough": 93,
    "spoiler": 94, "custom_emoji": 99,
}  # fmt: skip


def _u16_offsets(text: str) -> list[int]:
    offsets = [0] * (len(text) + 1)
    for index, ch in enumerate(text):
        offsets[index + 1] = offsets[index] + (2 if ord(ch) > 0xFFFF else 1)
    return offsets


def detect_entities(text: str, existing: list[Entity] | tuple[Entity, ...] = ()) -> list[Entity]:
    """URLs, e-mails, /commands, @mentions, #hashtags and $CASHTAGS, as Telegram adds them."""
    if not any(ch in text for ch in "/@#$:"):
        return []
    offsets = _u16_offsets(text)
    taken = [(e["offset"], e["offset"] + e["length"]) for e in existing if e["type"] in _OPAQUE]
    found: list[Entity] = []
    for kind, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start, end = match.start(), match.end()
            if kind == "url":
                while end > start and text[end - 1] in _URL_TAIL:
                    end -= 1
            begin, finish = offsets[start], offsets[end]
            if any(begin < t_end and t_begin < finish for t_begin, t_end in taken):
                continue
            taken.append((begin, finish))
            found.append({"type": kind, "offset": begin, "length": finish - begin})
    return found


def _explicit_entities(raw: Any, text_length: int) -> list[Entity]:
    if not isinstance(raw, list):
        return []
    entities: list[Entity] = []
    for item in raw:
        if not isinstance(item, dict):
            raise EntityError("can't parse MessageEntity: expected an Object")
        kind, offset, length = item.get("type"), item.get("offset"), item.get("length")
        for name, value in (("offset", offset), ("length", length)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise EntityError(f'can\'t parse MessageEntity: Field "{name}" must be a Number')
        if kind in _AUTO_TYPES:
            continue
        if kind not in _MARKUP_TYPES:
            raise EntityError("can't parse MessageEntity: Unsupported type specified")
        entity: Entity = {"type": kind, "offset": offset, "length": length}
        if kind == "text_link":
            url = normalize_url(str(item.get("url", "")))
            if url is None:
                continue
            entity["url"] = url
        elif kind == "text_mention":
            user = item.get("user")
            if not isinstance(user, dict) or not isinstance(user.get("id"), int):
                raise EntityError('can\'t parse MessageEntity: Field "user" must be an Object')
            entity["user_id"] = user["id"]
        elif kind == "pre" and isinstance(item.get("language"), str) and item["language"]:
            entity["language"] = item["language"]
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = str(item.get("custom_emoji_id", ""))
        entities.append(entity)
    return _clip(entities, 0, text_length)


def _clip(entities: list[Entity], start: int, end: int) -> list[Entity]:
    """Keeps the parts of entities inside [start, end), shifted so `start` becomes 0."""
    clipped: list[Entity] = []
    for entity in entities:
        begin = max(entity["offset"], start)
        finish = min(entity["offset"] + entity["length"], end)
        if finish > begin:
            clipped.append({**entity, "offset": begin - start, "length": finish - begin})
    return clipped


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    # Telegram drops surrounding spaces and newlines (leading ones only up to the first entity).
    first_entity = min((e["offset"] for e in entities), default=None)
    lead = len(text) - len(text.lstrip())
    if first_entity is not None:
        lead = min(lead, first_entity)  # leading whitespace is BMP: 1 UTF-16 unit each
    trimmed = text[lead:].rstrip()
    return trimmed, _clip(entities, lead, lead + utf16_len(trimmed))


def format_text(
    text: str,
    parse_mode: str | None = None,
    entities: Any = None,
    *,
    lookup_user: UserLookup | None = None,
) -> tuple[str, list[Entity]]:
    """Parses `text` per parse_mode (else takes explicit `entities`); raises EntityError."""
    mode = (parse_mode or "").strip().lower()
    if text and mode and mode != "none":
        parsers = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
        if mode not in parsers:
            raise EntityError("unsupported parse_mode")
        plain, found = parsers[mode](text)
    else:
        plain, found = text, _explicit_entities(entities, utf16_len(text))
    plain, found = _trim(plain, found)
    for entity in found:
        user_id = entity.pop("user_id", None)
        if user_id is not None:
            entity["user"] = (
                lookup_user(user_id)
                if lookup_user
                else {"id": user_id, "is_bot": False, "first_name": ""}
            )
    found += detect_entities(plain, found)
    found.sort(key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))
    return plain, found
