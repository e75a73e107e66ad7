"""What a log line must never carry: the bot token, phone numbers and the words people wrote.

`LogMasker` is applied to the whole formatted line (message, fields, traceback, stack), whoever
logged it: at DEBUG, python-telegram-bot prints Bot API URLs (which embed the token), the
parameters and return values of every call and the reprs of whole updates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TOKEN_MASK, PHONE_MASK, VALUE_MASK = "<token>", "<phone>", "<redacted>"

# BotFather tokens are `<bot id>:<35 characters>`; the lookarounds keep longer words whole.
_TOKEN_SHAPE = re.compile(r"(?<![\w-])\d{5,}:[A-Za-z0-9_-]{30,}(?![\w-])")
# The Bot API puts the token in the path (`/bot<token>/sendMessage`, `/file/bot<token>/...`),
# whatever its shape; requiring `<digits>:` spares words such as /botany.
_TOKEN_IN_URL = re.compile(r"(?<=/bot)\d+:[^/\s'\"`]+")

# International numbers (+86 138 0013 8000), grouped local ones (021-6888-1234) and Chinese
# mobiles (13800138000). Bare digit runs are left alone: Telegram ids are those.
_PHONE = re.compile(
    r"\+\d[\d \-]{6,}\d|(?<![\w-])\d{2,4}-\d{3,4}-\d{4}(?![\w-])|(?<!\w)1[3-9]\d{9}(?!\w)"
)

# Keys of the Bot API objects (and of PTB's reprs of them) whose values people wrote or that
# name a person. Left readable on purpose: ids, dates, `type`, `title` (Kefu's chats with a
# title are groups, the staff desk among them: the business's own words) and `data` (callback
# payloads are Kefu's own short codes such as `t:123:resolve`, ids only). `name` is here
# because forum topic names carry the customer's name.
PERSONAL_KEYS = (
    "text",
    "caption",
    "quote",
    "first_name",
    "last_name",
    "username",
    "name",
    "phone_number",
    "vcard",
    "email",
    "address",
    "description",
    "bio",
    "file_name",
    "question",
    "comment",
    "query",
    "performer",
)

# One value after one of those keys, in the three shapes logs use: `'key': 'value'` (a dict's
# repr), `"key": "value"` (JSON) and `key='value'` (an object's repr, which switches to double
# quotes when the value holds a single quote). `(?P=kq)` makes the key's closing quote match its
# opening one; each value alternative ends at its own quote and steps over escaped ones, without
# backtracking. A value whose closing quote is missing (a line cut short) is masked to the end.
_PERSONAL_VALUE = re.compile(
    r"(?P<head>(?<![\w.])(?P<kq>['\"]?)(?:" + "|".join(PERSONAL_KEYS) + r")(?P=kq)\s*[:=]\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*(?:'|\Z)|\"(?:[^\"\\]|\\.)*(?:\"|\Z))",
    re.DOTALL,
)


def _mask_value(match: re.Match[str]) -> str:
    quote = match["value"][0]
    return f"{match['head']}{quote}{VALUE_MASK}{quote}"


class LogMasker:
    """Built once per handler: every pattern is compiled here, not per record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        literals: set[str] = set()
        for secret in secrets:
            if secret:
                literals.add(secret)
                # The part after the colon is the secret proper; short ones (`123:abc` in a
                # test) would mask innocent words.
                _, _, key = secret.partition(":")
                if len(key) >= 8:
                    literals.add(key)
        # Longest first, so the whole token goes before its own tail can split it.
        ordered = sorted(literals, key=len, reverse=True)
        self._secrets = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def __call__(self, text: str) -> str:
        if self._secrets is not None:
            text = self._secrets.sub(TOKEN_MASK, text)
        text = _TOKEN_IN_URL.sub(TOKEN_MASK, text)
        text = _TOKEN_SHAPE.sub(TOKEN_MASK, text)
        text = _PERSONAL_VALUE.sub(_mask_value, text)
        return _PHONE.sub(PHONE_MASK, text)
