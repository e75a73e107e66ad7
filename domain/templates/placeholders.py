"""The pure rules of reply templates: their names, the placeholders a text may hold, filling.

A text is checked when an admin saves it, so a template that reaches a customer can always be
filled: `problem_in` refuses an unknown placeholder or a stray brace, and `fill` trusts what
was saved.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from storage.template_models import MAX_NAME as STORED_NAME_LIMIT

PLACEHOLDERS = ("customer", "ticket", "product", "due", "staff")
TEXT_LIMIT = 4096  # Telegram's limit for one message's text
# Room left for the signature under the reply ("— <staff name>, Support") and for what the
# placeholders add, so that a saved text, filled in and signed, still goes as one message.
SIGNATURE_ROOM = 296
MAX_TEXT = TEXT_LIMIT - SIGNATURE_ROOM
NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_NAME = STORED_NAME_LIMIT
ENGLISH = "en"

# A placeholder, or any brace left over once placeholders are taken out.
_TOKEN = re.compile(r"\{([^{}]*)\}|[{}]")


class ProblemKind(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    UNKNOWN_PLACEHOLDER = "unknown_placeholder"
    BRACES = "braces"  # a brace without its partner, or braces with nothing in them


@dataclass(frozen=True, slots=True)
class Problem:
    kind: ProblemKind
    placeholder: str | None = None  # the unknown one, as typed (with its braces)


def known_placeholders() -> str:
    """The placeholders as an admin types them, for messages that list them."""
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def parse_name(typed: str) -> str | None:
    """A template's name, lower-cased: a short slug like `filter-change`; None if it is not."""
    name = typed.strip().lower()
    if not 2 <= len(name) <= MAX_NAME or NAME.fullmatch(name) is None:
        return None
    return name


def problem_in(text: str) -> Problem | None:
    """What keeps `text` from being saved as a template's text, or None when nothing does."""
    if not text.strip():
        return Problem(ProblemKind.EMPTY)
    if len(text) > MAX_TEXT:
        return Problem(ProblemKind.TOO_LONG)
    for token in _TOKEN.finditer(text):
        name = token.group(1)
        if name is None or not name.strip():
            return Problem(ProblemKind.BRACES)
        if name not in PLACEHOLDERS:
            return Problem(ProblemKind.UNKNOWN_PLACEHOLDER, token.group(0))
    return None


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` (checked by `problem_in` when saved) with each placeholder replaced by its value.

    One pass, so a value that itself holds braces (a customer named "{due}") stays as it is.
    """
    return _TOKEN.sub(lambda token: values[token.group(1)], text)


@dataclass(frozen=True, slots=True)
class Chosen:
    text: str
    language: str  # the language of `text`
    fell_back: bool  # the wanted language had no text: English instead


def text_for(texts: Mapping[str, str], language: str) -> Chosen:
    """The text in `language`, else the English one (every template has English)."""
    own = texts.get(language)
    if own:
        return Chosen(own, language, fell_back=False)
    return Chosen(texts[ENGLISH], ENGLISH, fell_back=language != ENGLISH)
