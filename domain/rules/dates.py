"""Dates as customers type them: `2025-03-01`, `1/3/2025`, `2025年3月1日`, `2025.3.1` …"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum


class DateProblem(StrEnum):
    UNREADABLE = "unreadable"
    IN_THE_FUTURE = "future"
    TOO_OLD = "too_old"


class DateInputError(ValueError):
    def __init__(self, problem: DateProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


_YEAR_FIRST = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号號]?$")
_YEAR_LAST = re.compile(r"^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９／－．", "0123456789/-.")
OLDEST_YEARS = 30


def _day_month(first: int, second: int) -> tuple[int, int]:
    """Day first, as in most of the world; month first only when the numbers leave no doubt."""
    if second > 12 >= first:
        return second, first
    return first, second


def parse_customer_date(text: str, today: date) -> date:
    """A past (or today's) date typed by a customer; raises DateInputError saying what is wrong."""
    cleaned = text.strip().translate(_FULL_WIDTH)
    try:
        if match := _YEAR_FIRST.match(cleaned) or _COMPACT.match(cleaned):
            year, month, day = (int(part) for part in match.groups())
        elif match := _YEAR_LAST.match(cleaned):
            first, second, year = (int(part) for part in match.groups())
            day, month = _day_month(first, second)
        else:
            raise DateInputError(DateProblem.UNREADABLE)
        parsed = date(year, month, day)
    except ValueError as error:
        if isinstance(error, DateInputError):
            raise
        raise DateInputError(DateProblem.UNREADABLE) from error
    if parsed > today:
        raise DateInputError(DateProblem.IN_THE_FUTURE)
    if parsed.year < today.year - OLDEST_YEARS:
        raise DateInputError(DateProblem.TOO_OLD)
    return parsed
