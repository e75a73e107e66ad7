"""Markup parsing into plain text + MessageEntity, as Telegram does it (UTF-16 offsets)."""

from __future__ import annotations

import pytest

from sandbox.entities import EntityError, detect_entities, format_text


def ents(*specs: tuple) -> list[dict]:
    out = []
    for spec in specs:
        kind, offset, length, *extra = spec
        entity = {"type": kind, "offset": offset, "length": length}
        if extra:
            entity.update(extra[0])
        out.append(entity)
    return out


@pytest.mark.parametrize(
    ("source", "mode", "text", "entities"),
    [
        ("<b>bold</b> plain", "HTML", "bold plain", ents(("bold", 0, 4))),
        ("<b><i>x</i></b>", "HTML", "x", ents(("bold", 0, 1), ("italic", 0, 1))),
        ("a &lt;b&gt; &amp; &quot;c&quot;", "HTML", 'a <b> & "c"', []),
        ("&#20320;&#x597D;", "HTML", "你好", []),
        ("😀<u>x</u>", "HTML", "😀x", ents(("underline", 2, 1))),  # emoji = 2 UTF-16 units
        ("<a href='https://example.com'>site</a>", "HTML", "site",
         ents(("text_link", 0, 4, {"url": "https://example.com/"}))),
        ('<a href="tg://user?id=42">Ann</a>', "HTML", "Ann",
         ents(("text_mention", 0, 3, {"user": {"id": 42, "is_bot": False, "first_name": ""}}))),
        ('<pre><code class="language-python">x = 1</code></pre>', "HTML", "x = 1",
         ents(("pre", 0, 5, {"language": "python"}))),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "HTML", "st",
         ents(("spoiler", 0, 1), ("spoiler", 1, 1))),
        ("<blockquote expandable>q</blockquote>", "HTML", "q",
         ents(("expandable_blockquote", 0, 1))),
        ("*b* _i_ __u__ ~s~ ||p||", "MarkdownV2", "b i u s p",
         ents(("bold", 0, 1), ("italic", 2, 1), ("underline", 4, 1), ("strikethrough", 6, 1),
              ("spoiler", 8, 1))),
        ("*bold _both_*", "MarkdownV2", "bold both", ents(("bold", 0, 9), ("italic", 5, 4))),
        ("[site](https://t.me/x) and 1\\.5\\!", "MarkdownV2", "site and 1.5!",
         ents(("text_link", 0, 4, {"url": "https://t.me/x"}))),
        ("`a\\`b` ```py\nprint()```", "MarkdownV2", "a`b print()",
         ents(("code", 0, 3), ("pre", 4, 7, {"language": "py"}))),
        (">one\n>two\nthree", "MarkdownV2", "one\ntwo\nthree", ents(("blockquote", 0, 7))),
        ("*b* _i_ `c` [l](http://x.org)", "Markdown", "b i c l",
         ents(("bold", 0, 1), ("italic", 2, 1), ("code", 4, 1),
              ("text_link", 6, 1, {"url": "http://x.org/"}))),
        ("  padded  \n", None, "padded", []),
        ("<b>  x</b>  ", "HTML", "  x", ents(("bold", 0, 3))),  # leading space kept in entity
    ],
)  # fmt: skip
def test_markup_is_parsed(source: str, mode: str | None, text: str, entities: list) -> None:
    assert format_text(source, mode) == (text, entities)


@pytest.mark.parametrize(
    ("source", "mode", "error"),
    [
        ("<b>x", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "HTML", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<foo>x</foo>", "HTML", 'Unsupported start tag "foo" at byte offset 0'),
        ("1 < 2", "HTML", 'Unsupported start tag "" at byte offset 2'),
        ("x</b>", "HTML", "Unexpected end tag at byte offset 1"),
        ("你<b>", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("*unclosed", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
        ("价格 1.5", "MarkdownV2", "Character '.' is reserved"),
        ("a-b", "MarkdownV2", "Character '-' is reserved"),
        ("_x", "Markdown", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_bad_markup_is_refused_with_telegrams_words(source: str, mode: str, error: str) -> None:
    with pytest.raises(EntityError) as caught:
        format_text(source, mode)
    assert str(caught.value).startswith("can't parse entities: ")
    assert error in str(caught.value)


def test_unknown_parse_mode_is_refused() -> None:
    with pytest.raises(EntityError, match="unsupported parse_mode"):
        format_text("x", "rst")


def test_explicit_entities_are_kept_and_auto_types_redetected() -> None:
    given = [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "mention", "offset": 0, "length": 2},  # ignored: Telegram detects these
    ]
    text, entities = format_text("Hello /help", None, given)
    assert text == "Hello /help"
    assert entities == ents(("bold", 0, 5), ("bot_command", 6, 5))


def test_explicit_entities_with_unknown_type_are_refused() -> None:
    with pytest.raises(EntityError, match="Unsupported type specified"):
        format_text("Hello", None, [{"type": "sparkle", "offset": 0, "length": 5}])


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("/start", [("bot_command", 0, 6)]),
        ("/start@kefu_bot deep", [("bot_command", 0, 15)]),
        ("see https://example.com/a?b=1.", [("url", 4, 25)]),
        ("mail a.b@example.org now", [("email", 5, 15)]),
        ("hi @alice_w and #tag", [("mention", 3, 8), ("hashtag", 16, 4)]),
        ("1/2 and a/b are not commands", []),
        ("😀 /help", [("bot_command", 3, 5)]),
    ],
)
def test_automatic_entities(text: str, found: list[tuple]) -> None:
    assert detect_entities(text) == ents(*found)


def test_no_detection_inside_code() -> None:
    _, entities = format_text("<code>/start https://x.org</code>", "HTML")
    assert entities == ents(("code", 0, 20))
