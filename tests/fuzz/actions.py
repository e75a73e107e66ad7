"""What the fuzzer's people do, as plain values, and the hypothesis strategies that draw them.

An action names who acts, where (their private chat with the bot, the staff chat's General
topic, or one of the ticket topics) and what they do. Choices that depend on what the chat
holds when the action runs (which topic, which earlier message, which button) are small
integers taken modulo what there is, so a shrunk sequence replays the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

CUSTOMERS = ("alice", "wang")  # alice has consented and has ticket K-000001; wang is new
STAFF = ("liwei", "amy")  # liwei is staff; amy is staff and the admin
PLACES = ("private", "general", "topic")
MEDIA = ("photo", "document", "video", "sticker", "contact", "location")

# Telegram's clients cannot send more than 4096 characters in one message (UTF-16 code units,
# as Telegram counts them), nor callback data over 64 bytes.
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
MAX_CAPTION = 1024


class Repeated(str):
    """A long text written as `unit` repeated to `length` characters, so that a falsifying
    example prints as `Repeated('字', 4096)` rather than as four thousand characters."""

    unit: str

    def __new__(cls, unit: str, length: int) -> Repeated:
        text = super().__new__(cls, (unit * length)[:length])
        text.unit = unit
        return text

    def __repr__(self) -> str:
        return f"Repeated({self.unit!r}, {len(self)})"


@dataclass(frozen=True)
class Write:
    """A text message (commands included)."""

    who: str
    where: str
    text: str
    topic: int = 0  # which ticket topic, newest first, when `where` is "topic"


@dataclass(frozen=True)
class Send:
    """A photo, document, video, sticker, contact or location, with a caption if it takes one."""

    who: str
    where: str
    kind: str
    caption: str | None = None
    topic: int = 0


@dataclass(frozen=True)
class Press:
    """A real button: `button` of the `age`-th newest bot message with an inline keyboard;
    `twice` is a double tap (the second press leaves before Kefu has handled the first)."""

    who: str
    where: str
    age: int
    button: int
    topic: int = 0
    twice: bool = False


@dataclass(frozen=True)
class PressKey:
    """A key of the reply keyboard the person sees in their private chat."""

    who: str
    key: int


@dataclass(frozen=True)
class Forge:
    """A press with callback data of the person's choosing, on the `age`-th newest bot message
    (a modified client can send any data, on any of the bot's messages)."""

    who: str
    where: str
    age: int
    data: str
    topic: int = 0


@dataclass(frozen=True)
class Edit:
    """The person edits the `age`-th newest of their own text messages there."""

    who: str
    where: str
    age: int
    text: str
    topic: int = 0


@dataclass(frozen=True)
class Converse:
    """Goes along with the bot for a while, as a customer filling in a request does. Each move
    presses a button of the newest bot message that moves the request on (a small move; Back
    and Cancel only for moves from 6 on), or, if there is none, types one of the replies a
    flow asks for (`FLOW_REPLIES[move]`). This reaches deep into the flows (a whole request
    sent, a topic opened) within the few actions a session has. A `hasty` person double-taps
    every button."""

    who: str
    where: str
    moves: tuple[int, ...]
    topic: int = 0
    hasty: bool = False


Action = Write | Send | Press | PressKey | Forge | Edit | Converse


# -- texts ---------------------------------------------------------------------------------------

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u3164\u115f"
BLANKS = " \t\n\u00a0\u3000"
RTL_MARKS = "\u200f\u202b\u202e\u202c\u2067\u2069\u061c"
EMOJI = ("😀", "👍🏽", "👨‍👩‍👧‍👦", "🇨🇳", "❤️", "🫠", "🏳️‍🌈", "1️⃣", "🧑🏿‍🔧")
MARKUP = (
    "<b>", "</b>", "<i>x</i>", "<a href='tg://user?id=1'>", "&amp;", "&lt;", "<", ">", "&",
    "*", "**", "_", "__", "~", "`", "```", "||", "[x](y)", "[x](tg://user?id=1)", "\\",
    "{{ name }}", "{% if %}", "%s", "%(name)s", "{0}", "{}", "\"", "'", "#", "@", "$",
)  # fmt: skip
CHINESE = ("您好", "我的按摩椅坏了", "请问什么时候到？", "退货", "投诉", "謝謝", "，", "。")
ANSWERS = (
    "M8-2024-0042", "2025-06-01", "2099-12-31", "1900-01-01", "2025-02-30", "0001-01-01",
    "9999-12-31", "2025-6-1", "01/06/2025", "今天", "yesterday", "JD-7781", "12 Garden Road",
    "+8613800138000", "0", "-1", "99999999999999999999999", "'; DROP TABLE tickets;--",
    "K-000001", "K-999999", "yes", "no", "Done", "Cancel", "Back",
)  # fmt: skip
FLOW_REPLIES = (
    "2025-06-01", "M8-2024-0042", "The backrest motor makes a grinding noise.", "JD-7781",
    "12 Garden Road", "/start", "2026-11-20", "It arrived broken.", "Thank you!",
)  # fmt: skip
CUSTOMER_COMMANDS = (
    "/start", "/help", "/menu", "/cancel", "/tickets", "/language", "/privacy", "/mydata",
    "/forget", "/profile", "/start ref-leaflet", "/start " + "x" * 64, "/unknown", "/HELP",
    "/help@kefu_bot", "/start@someone_else_bot",
)  # fmt: skip
STAFF_COMMANDS = (
    "/ticket", "/ticket K-000001", "/ticket K-000002", "/ticket K-999999", "/ticket #K-000001",
    "/ticket k-000001", "/ticket K-" + "9" * 30, "/ticket 1", "/note", "/note Called back.",
    "/assign", "/assign @liwei_support", "/assign @amy_admin", "/assign @nobody", "/assign 2001",
    "/priority", "/priority urgent", "/priority high", "/priority low", "/priority bogus",
    "/resolve", "/reopen", "/close", "/wait", "/approve", "/decline", "/decline No receipt.",
    "/sla", "/customer", "/tag", "/tag vip", "/untag vip", "/customernote",
    "/customernote Calls late.",
)  # fmt: skip
ADMIN_COMMANDS = ("/campaign", "/campaigns")


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _sendable(text: str) -> bool:
    """What a Telegram client can send: something left after trimming, within the limit."""
    return bool(text.strip()) and _utf16_length(text) <= MAX_TEXT


def _repeated(unit: str, length: int) -> Repeated:
    # Keep within 4096 UTF-16 code units: an emoji is two of them.
    return Repeated(unit, min(length, MAX_TEXT * len(unit) // max(_utf16_length(unit), 1)))


# Telegram never delivers NUL (its clients clean C0 controls out of what is sent, TDLib's
# clean_input_string); the sandbox would, and PostgreSQL refuses it in text, so it stays out.
# The other controls stay, though Telegram may drop them too: nothing should choke on them.
control_chars = st.characters(min_codepoint=0x01, max_codepoint=0x1F) | st.sampled_from(
    "\x7f\x85\x9b\u2028\u2029"
)
fragment = st.one_of(
    st.text(st.sampled_from(ZERO_WIDTH + BLANKS), min_size=1, max_size=6),
    st.text(control_chars, min_size=1, max_size=4),
    st.text(st.characters(min_codepoint=0x05D0, max_codepoint=0x05EA), min_size=1, max_size=8),
    st.text(st.characters(min_codepoint=0x0627, max_codepoint=0x064A), min_size=1, max_size=8),
    st.sampled_from(RTL_MARKS),
    st.sampled_from(EMOJI),
    st.text(st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1, max_size=3),
    st.sampled_from(MARKUP),
    st.sampled_from(CHINESE),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=8),
    st.sampled_from(ANSWERS),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12),
)
mixed_text = st.lists(fragment, min_size=1, max_size=8).map("".join)
huge_text = st.builds(
    _repeated,
    st.sampled_from(("a", "字", "😀", "<b>", "*_", "x ", "\u200b.", "\u202e", "👨‍👩‍👧‍👦", "&")),
    st.integers(3500, MAX_TEXT),
)
empty_looking = st.text(st.sampled_from(ZERO_WIDTH + BLANKS), min_size=1, max_size=12)


def commands(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    with_words = st.tuples(st.sampled_from(names), mixed_text).map(" ".join)
    return st.sampled_from(names) | with_words


texts = st.one_of(
    mixed_text,
    huge_text,
    empty_looking,
    st.sampled_from(ANSWERS),
    commands(CUSTOMER_COMMANDS),
    commands(STAFF_COMMANDS),
    commands(ADMIN_COMMANDS),
).filter(_sendable)
captions = st.none() | mixed_text.filter(lambda c: _utf16_length(c) <= MAX_CAPTION)


# -- forged callback data ------------------------------------------------------------------------

# Ids as a forger would try them: small, negative, past PostgreSQL's INTEGER, past 64 bits.
numbers = st.one_of(
    st.integers(0, 4),
    st.integers(-3, -1),
    st.integers(5, 10**6),
    st.sampled_from((2**31, 2**63, 10**30)),
)
junk = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
FORGED_SHAPES = (
    "desk:{w}:{n}", "desk:claim:{n}", "desk:resolve:{n}", "desk:close:{n}", "desk:reopen:{n}",
    "desk:priority:{n}", "desk:card:{n}", "desk:setpriority:{n}:urgent",
    "desk:setpriority:{n}:{w}", "desk:claim:{n}:{w}", "mine:open:{n}", "mine:write:{n}",
    "mine:{w}", "follow:{n}:{m}", "follow:{n}", "privacy:forget:yes:{n}",
    "privacy:withdraw:yes:{n}", "privacy:accept", "privacy:decline", "privacy:withdraw",
    "privacy:keep", "lang:{w}", "lang:en", "lang:zh_Hans", "lang:zh_Hant", "menu:{w}",
    "menu:repair", "menu:return", "menu:complaint", "menu:tickets", "menu:consult",
    "menu:language", "flow:back", "flow:cancel", "repair:kind:{w}", "repair:kind:repair",
    "repair:product:{w}", "repair:product:", "repair:visit:{w}", "repair:window:{w}",
    "repair:confirm", "repair:edit:{w}", "repair:files:done", "returns:reason:{w}",
    "returns:resolution:{w}", "returns:confirm", "returns:edit:{w}", "complaint:cat:{w}",
    "complaint:confirm", "complaint:edit", "complaint:edit:{w}", "consult:faq:{w}",
    "consult:human", "consult:solved", "sv:t:{n}:{m}", "sv:c:{n}:{m}", "sv:nc", "sv:stop",
    "sv:pv", "sv:{w}", "ca:show:{n}:{m}", "ca:start:{n}:0", "ca:cancel:{n}:0",
    "ca:tickets:0:{n}", "ca:tchart:0:{n}", "ca:tcsv:0:{n}", "ca:{w}:{n}:{m}", "cnew:kind:{w}",
    "cnew:english", "cnew:aud:{w}", "cnew:when:{w}", "cnew:confirm", "{w}", "{w}:{w}:{w}",
    "profile:edit:{w}", "profile:remove:{n}", "profile:correct", "profile:done",
    "profile:product:{w}", "profile:nodate", "profile:language:{w}", "profile:check:yes",
    "profile:check:update", "repair:known:{n}", "repair:known:{w}", ":", "::::::",
)  # fmt: skip


def _within_callback_limit(data: str) -> bool:
    return 1 <= len(data.encode()) <= MAX_CALLBACK_DATA


forged_data = st.builds(
    lambda shape, n, m, w: shape.format(n=n, m=m, w=w),
    st.sampled_from(FORGED_SHAPES),
    numbers,
    numbers,
    junk,
).filter(_within_callback_limit)


# -- actions -------------------------------------------------------------------------------------

people = st.sampled_from(CUSTOMERS + STAFF)
# Customers are not in the staff chat: for them every place is their private chat.
places = st.sampled_from(PLACES)
# Mostly the newest message: that is where a conversation goes on; older ones now and then.
ages = st.sampled_from((0, 0, 0, 1)) | st.integers(0, 6)
topics = st.integers(0, 3)
moves = st.sampled_from((0, 0, 1, 2, 3)) | st.integers(0, 8)  # mostly forward
press = st.builds(Press, people, places, ages, st.integers(0, 9), topics, st.booleans())
converse = st.builds(
    Converse,
    people,
    places,
    st.lists(moves, min_size=1, max_size=12).map(tuple),
    topics,
    st.booleans(),
)
# No flatmap: every field shrinks on its own, and a failing sequence shrinks fast.
actions = st.one_of(
    st.builds(Write, people, places, texts, topics),
    press,
    st.builds(Send, people, places, st.sampled_from(MEDIA), captions, topics),
    press,  # twice: pressing is how a conversation goes deeper
    st.builds(PressKey, people, st.integers(0, 9)),
    st.builds(Forge, people, places, ages, forged_data, topics),
    st.builds(Edit, people, places, ages, texts, topics),
    converse,
    converse,  # twice too: most of Kefu is reached only several steps into a conversation
)


def sessions(max_size: int) -> st.SearchStrategy[list[Action]]:
    """A session: what the cast does, one action after the other."""
    return st.lists(actions, min_size=1, max_size=max_size)
