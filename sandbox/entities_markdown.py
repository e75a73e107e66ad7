"""Telegram's MarkdownV2 and legacy Markdown parse modes, after tdlib's parsers."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.textbuild import (
    Entity,
    TextBuilder,
    byte_offset,
    cant_parse,
    mention_user_id,
    normalize_url,
)

_RESERVED_V2 = frozenset("_*[]()~`>#+-=|{}.!")
# tdlib's names for entity types in "Can't find end of ... entity" errors
_TYPE_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code", "pre": "Pre",
    "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}  # fmt: skip


@dataclass
class _Open:
    kind: str
    start: int  # UTF-16 offset in the output
    src_index: int  # where the opening delimiter began in the source
    text_start: int  # source index where the entity's own text begins
    language: str = ""


def _closes(kind: str, src: str, i: int) -> bool:
    c, nxt = src[i], src[i + 1 : i + 2]
    return {
        "bold": c == "*",
        "italic": c == "_" and nxt != "_",
        "underline": c == "_" and nxt == "_",
        "strikethrough": c == "~",
        "spoiler": c == "|" and nxt == "|",
        "code": c == "`",
        "pre": src.startswith("```", i),
        "text_link": c == "]",
        "custom_emoji": c == "]",
    }[kind]


def _reserved(c: str) -> Exception:
    return cant_parse(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")


def _read_link_target(src: str, i: int) -> tuple[str | None, int]:
    """After "]": reads "(url)" with \\-escapes; returns (url or None if absent, next index)."""
    if not src.startswith("(", i):
        return None, i
    start = i + 1
    j = start
    chars: list[str] = []
    while j < len(src) and src[j] != ")":
        if src[j] == "\\" and j + 1 < len(src):
            j += 1
        chars.append(src[j])
        j += 1
    if j >= len(src):
        raise cant_parse(f"Can't find end of a URL at byte offset {byte_offset(src, start)}")
    return "".join(chars), j + 1


def _open_entity(src: str, i: int, out: TextBuilder) -> tuple[_Open, int]:
    c, nxt = src[i], src[i + 1 : i + 2]
    if c == "_" and nxt == "_":
        return _Open("underline", out.u16, i, i + 2), i + 2
    if c in "_*~":
        kind = {"_": "italic", "*": "bold", "~": "strikethrough"}[c]
        return _Open(kind, out.u16, i, i + 1), i + 1
    if c == "|" and nxt == "|":
        return _Open("spoiler", out.u16, i, i + 2), i + 2
    if c == "[":
        return _Open("text_link", out.u16, i, i + 1), i + 1
    if c == "!" and nxt == "[":
        return _Open("custom_emoji", out.u16, i, i + 2), i + 2
    if src.startswith("```", i):
        j = i + 3
        end = j
        while end < len(src) and not src[end].isspace() and src[end] != "`":
            end += 1
        language = ""
        if end > j and end < len(src) and src[end] != "`":
            language, j = src[j:end], end
        if src[j : j + 1] in ("\n", "\r"):
            j += 2 if src[j : j + 2] in ("\r\n", "\n\r") else 1
        return _Open("pre", out.u16, i, j, language), j
    if c == "`":
        return _Open("code", out.u16, i, i + 1), i + 1
    raise _reserved(c)


def _close_entity(src: str, i: int, opened: _Open, out: TextBuilder) -> tuple[Entity | None, int]:
    length = out.u16 - opened.start
    entity: Entity = {"type": opened.kind, "offset": opened.start, "length": length}
    step = {"underline": 2, "spoiler": 2, "pre": 3}.get(opened.kind, 1)
    i += step
    if opened.kind == "pre" and opened.language:
        entity["language"] = opened.language
    if opened.kind == "text_link":
        target, i = _read_link_target(src, i)
        url_text = target if target is not None else src[opened.text_start : i - 1]
        user_id = mention_user_id(url_text)
        if user_id is not None:
            entity = {"type": "text_mention", "offset": opened.start, "length": length,
                      "user_id": user_id}  # fmt: skip
        else:
            url = normalize_url(url_text)
            if url is None:
                return None, i
            entity["url"] = url
    if opened.kind == "custom_emoji":
        target, i = _read_link_target(src, i)
        prefix = "tg://emoji?id="
        if target is None or not target.startswith(prefix) or not target[len(prefix) :].isdigit():
            raise cant_parse("Custom emoji entity must contain a tg://emoji URL")
        entity["custom_emoji_id"] = target[len(prefix) :]
    return (entity if length > 0 else None), i


def _ends_expandable_quote(
    src: str, i: int, stack: list[_Open], quote_start: int | None, quote_kind: str
) -> bool:
    """ "||" at the end of a line closes an expandable blockquote (unless closing a spoiler)."""
    return (
        quote_start is not None
        and quote_kind == "expandable_blockquote"
        and src.startswith("||", i)
        and src[i + 2 : i + 3] in ("", "\n")
        and not (stack and stack[-1].kind == "spoiler")
    )


def parse_markdown_v2(src: str) -> tuple[str, list[Entity]]:
    out = TextBuilder()
    stack: list[_Open] = []
    entities: list[Entity] = []
    quote_start: int | None = None
    quote_kind = "blockquote"
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        in_code = bool(stack) and stack[-1].kind in ("code", "pre")
        if in_code:
            if c == "\\" and src[i + 1 : i + 2] in ("`", "\\"):
                out.add(src[i + 1])
                i += 2
                continue
            if c != "`":
                out.add(c)
                i += 1
                continue
        else:
            at_line_start = i == 0 or src[i - 1] == "\n"
            if (
                at_line_start
                and quote_start is not None
                and c != ">"
                and not src.startswith("**>", i)
            ):
                # the quote ends before the newline that ends its last line
                end = out.u16 - (1 if out.ends_with_newline() else 0)
                entities.append({"type": quote_kind, "offset": quote_start,
                                 "length": end - quote_start})  # fmt: skip
                quote_start = None
            if at_line_start and (c == ">" or src.startswith("**>", i)):
                if quote_start is None:
                    quote_start = out.u16
                    quote_kind = "blockquote" if c == ">" else "expandable_blockquote"
                i += 1 if c == ">" else 3
                continue
            if c == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
                out.add(src[i + 1])
                i += 2
                continue
            if _ends_expandable_quote(src, i, stack, quote_start, quote_kind):
                i += 2
                continue
            if c not in _RESERVED_V2:
                out.add(c)
                i += 1
                continue
        if stack and _closes(stack[-1].kind, src, i):
            entity, i = _close_entity(src, i, stack.pop(), out)
            if entity:
                entities.append(entity)
            continue
        opened, i = _open_entity(src, i, out)
        stack.append(opened)
    if stack:
        top = stack[-1]
        raise cant_parse(
            f"Can't find end of {_TYPE_NAMES[top.kind]} entity at byte offset "
            f"{byte_offset(src, top.src_index)}"
        )
    if quote_start is not None:
        entities.append({"type": quote_kind, "offset": quote_start,
                         "length": out.u16 - quote_start})  # fmt: skip
    return out.text(), entities


_LEGACY = {"*": "bold", "_": "italic", "`": "code"}


def parse_markdown(src: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out = TextBuilder()
    entities: list[Entity] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "\\" and src[i + 1 : i + 2] in ("_", "*", "`", "["):
            out.add(src[i + 1])
            i += 2
            continue
        if c not in "_*`[":
            out.add(c)
            i += 1
            continue
        not_closed = cant_parse(
            f"Can't find end of the entity starting at byte offset {byte_offset(src, i)}"
        )
        start = out.u16
        if src.startswith("```", i):
            end = src.find("```", i + 3)
            if end < 0:
                raise not_closed
            body = src[i + 3 : end]
            language = ""
            first, sep, rest = body.partition("\n")
            if sep and first and not any(ch.isspace() for ch in first):
                language, body = first, rest
            out.add(body)
            entity: Entity = {"type": "pre", "offset": start, "length": out.u16 - start}
            if language:
                entity["language"] = language
            entities.append(entity)
            i = end + 3
        elif c == "[":
            end = src.find("]", i + 1)
            if end < 0:
                raise not_closed
            out.add(src[i + 1 : end])
            target, i = _read_link_target(src, end + 1)
            url = normalize_url(target) if target is not None else None
            if url:
                entities.append({"type": "text_link", "offset": start,
                                 "length": out.u16 - start, "url": url})  # fmt: skip
        else:
            end = src.find(c, i + 1)
            if end < 0:
                raise not_closed
            out.add(src[i + 1 : end])
            entities.append({"type": _LEGACY[c], "offset": start, "length": out.u16 - start})
            i = end + 1
    return out.text(), [e for e in entities if e["length"] > 0]
