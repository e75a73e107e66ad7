"""What a customer types into their profile, and a tag staff type, checked at the edge.

Each parser returns the clean value or raises `FieldError` naming the problem, which the
handler words for the customer. No phone library is a dependency, so a phone number is checked
by a plain rule: digits, an optional leading +, spaces, dashes, dots and brackets between, and
6 to 20 digits in all.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

MAX_NAME = 64
MAX_ADDRESS = 300
MIN_ADDRESS = 5
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 6, 20
MAX_TAG = 32

_PHONE = re.compile(r"^\+?[0-9 \-.()]+$")
_TAG = re.compile(r"^[^\W_][\w\-]*$")  # letters (any script), digits, _ and -, no spaces


class Problem(StrEnum):
    EMPTY = "empty"
    TOO_LONG = "too_long"
    TOO_SHORT = "too_short"
    NOT_A_PHONE = "not_a_phone"
    NOT_A_TAG = "not_a_tag"


class FieldError(ValueError):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_name(text: str) -> str:
    name = _one_line(text)
    if not name:
        raise FieldError(Problem.EMPTY)
    if len(name) > MAX_NAME:
        raise FieldError(Problem.TOO_LONG)
    return name


def parse_address(text: str) -> str:
    address = _one_line(text)
    if len(address) < MIN_ADDRESS:
        raise FieldError(Problem.TOO_SHORT)
    if len(address) > MAX_ADDRESS:
        raise FieldError(Problem.TOO_LONG)
    return address


def parse_phone(text: str) -> str:
    """The number as the customer wrote it, spaces tidied: "+86 139-4172 5386" (full-width
    digits, as Chinese keyboards type them, become ASCII)."""
    phone = _one_line(unicodedata.normalize("NFKC", text))
    if not _PHONE.match(phone) or "+" in phone[1:]:
        raise FieldError(Problem.NOT_A_PHONE)
    digits = sum(c in "0123456789" for c in phone)
    if not MIN_PHONE_DIGITS <= digits <= MAX_PHONE_DIGITS:
        raise FieldError(Problem.NOT_A_PHONE)
    return phone


def contact_phone(phone_number: str) -> str:
    """A shared contact's number: Telegram sends digits, with or without a leading +."""
    digits = phone_number.strip()
    return digits if digits.startswith("+") else f"+{digits}"


def parse_tag(text: str) -> str:
    tag = text.strip().lower()
    if not tag:
        raise FieldError(Problem.EMPTY)
    if len(tag) > MAX_TAG:
        raise FieldError(Problem.TOO_LONG)
    if not _TAG.match(tag):
        raise FieldError(Problem.NOT_A_TAG)
    return tag
