"""Working hours of one day: parsing "09:00-12:00" text into minute intervals and checking them.

An interval is ``(start, end)`` in minutes since local midnight, ``0 <= start < end <= 1440``;
1440 is 24:00, so a whole day is ``(0, 1440)`` and no minute is lost at midnight (a 24/7
calendar typed as 00:00-23:59 loses one every day: Zammad #3180). A shift across midnight is two
intervals on two days ("22:00-24:00" and the next day's "00:00-06:00"); they join seamlessly.
"""

import re
from collections.abc import Iterable

from domain.sla.localtime import MINUTES_PER_DAY

Interval = tuple[int, int]
DayHours = tuple[Interval, ...]

_INTERVAL_TEXT = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_interval(text: str) -> Interval:
    """Parse "HH:MM-HH:MM" (end may be "24:00") into minutes since midnight.

    Raises ValueError naming `text` when it is malformed, out of range or not increasing.
    """
    match = _INTERVAL_TEXT.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"working hours {text!r}: expected 'HH:MM-HH:MM', e.g. '09:00-18:00'")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59:
        raise ValueError(f"working hours {text!r}: start must be between 00:00 and 23:59")
    if end_m > 59 or end_h > 24 or (end_h == 24 and end_m != 0):
        raise ValueError(f"working hours {text!r}: end must be between 00:01 and 24:00")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if end <= start:
        raise ValueError(
            f"working hours {text!r}: end must be after start; for a shift across midnight "
            "use '22:00-24:00' on one day and '00:00-06:00' on the next"
        )
    return start, end


def parse_day_hours(day_name: str, texts: Iterable[str]) -> DayHours:
    """Parse one day's list of "HH:MM-HH:MM" texts into normalised intervals (see below)."""
    if isinstance(texts, str) or not isinstance(texts, Iterable):
        raise ValueError(
            f"working hours for {day_name!r}: expected a list such as ['09:00-18:00'], "
            f"got {texts!r}"
        )
    return normalise_day_hours((parse_interval(text) for text in texts), where=day_name)


def normalise_day_hours(intervals: Iterable[Interval], where: str) -> DayHours:
    """Sort intervals, join touching ones ("09:00-12:00" + "12:00-13:00"), reject overlaps.

    Raises ValueError naming `where` (e.g. "mon") and the offending intervals.
    """
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if not (0 <= start < end <= MINUTES_PER_DAY):
            raise ValueError(
                f"working hours for {where!r}: bad interval {format_interval((start, end))!r}"
            )
        if result and start < result[-1][1]:
            raise ValueError(
                f"working hours for {where!r}: {format_interval(result[-1])!r} overlaps "
                f"{format_interval((start, end))!r}"
            )
        if result and start == result[-1][1]:
            result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return tuple(result)


def format_interval(interval: Interval) -> str:
    """Format minutes since midnight back as "HH:MM-HH:MM" (24:00 for the end of the day)."""
    start, end = interval
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
