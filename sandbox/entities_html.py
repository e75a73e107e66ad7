"""Telegram's HTML parse mode, after tdlib's parse_html: tags become MessageEntity dicts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sandbox.textbuild import (
    Entity,
    TextBuilder,
    byte_offset,
    cant_parse,
    mention_user_id,
    normalize_url,
)

_TAG_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "code": "code",
    "pre": "pre", "a": "text_link", "tg-emoji": "custom_emoji", "blockquote": "blockquote",
}  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'", "nbsp": "\u00a0"}
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_END_TAG = re.compile(r"</([a-zA-Z0-9-]*)\s*>")
_TAG_NAME = re.compile(r"[a-zA-Z0-9-]+")
_ATTR_NAME = re.compile(r"[a-zA-Z0-9_-]+")
_PLAIN = re.compile(r"[^<&]+")


@dataclass
class _Open:
    tag: str
    start: int
    attrs: dict[str, str] = field(default_factory=dict)


def _decode_entity(body: str) -> str | None:
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED.get(body)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


def _decode_text(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        decoded = _decode_entity(match.group(1))
        return match.group(0) if decoded is None else decoded

    return _ENTITY.sub(replace, text)


def _read_attrs(src: str, i: int, tag: str, start: int) -> tuple[dict[str, str], int]:
    """Parses attributes after the tag name; returns them and the index after ">"."""
    attrs: dict[str, str] = {}
    n = len(src)
    while True:
        while i < n and src[i].isspace():
            i += 1
        if i >= n:
            raise cant_parse(f"Unclosed start tag at byte offset {byte_offset(src, start)}")
        if src[i] == ">":
            return attrs, i + 1
        name_match = _ATTR_NAME.match(src, i)
        if not name_match:
            raise cant_parse(
                f'Empty attribute name in the tag "{tag}" at byte offset {byte_offset(src, start)}'
            )
        name = name_match.group(0).lower()
        i = name_match.end()
        while i < n and src[i].isspace():
            i += 1
        value = ""
        if i < n and src[i] == "=":
            i += 1
            while i < n and src[i].isspace():
                i += 1
            if i < n and src[i] in "\"'":
                end = src.find(src[i], i + 1)
                if end < 0:
                    raise cant_parse(
                        f"Unclosed start tag at byte offset {byte_offset(src, start)}"
                    )
                value = _decode_text(src[i + 1 : end])
                i = end + 1
            else:
                begin = i
                while i < n and not src[i].isspace() and src[i] != ">":
                    i += 1
                value = _decode_text(src[begin:i])
        attrs[name] = value


def _entity_for(opened: _Open, length: int, stack: list[_Open]) -> Entity | None:
    tag, attrs = opened.tag, opened.attrs
    kind = _TAG_TYPES[tag]
    entity: Entity = {"type": kind, "offset": opened.start, "length": length}
    if tag == "code" and stack and stack[-1].tag == "pre":
        language = attrs.get("class", "")
        if language.startswith("language-"):
            # <pre><code class="language-x"> is one pre entity with a language
            stack[-1].attrs["language"] = language[len("language-") :]
            return None
    if tag == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    elif tag == "a":
        href = attrs.get("href", "")
        user_id = mention_user_id(href)
        if user_id is not None:
            return {"type": "text_mention", "offset": opened.start, "length": length,
                    "user_id": user_id}  # fmt: skip
        url = normalize_url(href)
        if url is None:
            return None
        entity["url"] = url
    elif tag == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit():
            return None
        entity["custom_emoji_id"] = emoji_id
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    return entity if length > 0 else None


def parse_html(src: str) -> tuple[str, list[Entity]]:
    out = TextBuilder()
    stack: list[_Open] = []
    entities: list[Entity] = []
    i, n = 0, len(src)
    while i < n:
        plain = _PLAIN.match(src, i)
        if plain:
            out.add(plain.group(0))
            i = plain.end()
            continue
        if src[i] == "&":
            match = _ENTITY.match(src, i)
            decoded = _decode_entity(match.group(1)) if match else None
            if match and decoded is not None:
                out.add(decoded)
                i = match.end()
            else:
                out.add("&")
                i += 1
            continue
        start = i
        if src.startswith("</", i):
            end = _END_TAG.match(src, i)
            if not end:
                raise cant_parse(f"Unclosed end tag at byte offset {byte_offset(src, start)}")
            name = end.group(1).lower()
            if not stack:
                raise cant_parse(f"Unexpected end tag at byte offset {byte_offset(src, start)}")
            opened = stack.pop()
            if name != opened.tag:
                raise cant_parse(
                    f"Unmatched end tag at byte offset {byte_offset(src, start)}, "
                    f'expected "</{opened.tag}>", found "</{name}>"'
                )
            entity = _entity_for(opened, out.u16 - opened.start, stack)
            if entity:
                entities.append(entity)
            i = end.end()
            continue
        name_match = _TAG_NAME.match(src, i + 1)
        tag = name_match.group(0).lower() if name_match else ""
        if tag not in _TAG_TYPES:
            raise cant_parse(
                f'Unsupported start tag "{tag}" at byte offset {byte_offset(src, start)}'
            )
        assert name_match is not None
        attrs, i = _read_attrs(src, name_match.end(), tag, start)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise cant_parse(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(src, start)}'
            )
        stack.append(_Open(tag, out.u16, attrs))
    if stack:
        raise cant_parse(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.text(), entities
