"""SLA targets as configured text ("30m", "2h", "1h30m", "5d", "5wd") and a log-friendly format.

- "m", "h", "d" add up to a fixed amount of time; a day "d" is always 24 hours of the clock it
  is counted on (so "1d" on a business clock means 24 *working* hours, about three days of
  09:00-18:00: for "within N days of office hours" write "Nwd").
- "wd" counts working days of the business calendar ("5wd": close of business on the fifth
  working day after the day the ticket arrived; see `domain.sla.calendar.add_working_days`).
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

_TIME_TEXT = re.compile(r"^(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?$")
_WORKING_DAYS_TEXT = re.compile(r"^(\d+)wd$")
_MAX_MINUTES = timedelta.max // timedelta(minutes=1)


class DurationKind(StrEnum):
    TIME = "time"  # a fixed number of minutes on the timer's clock
    WORKING_DAYS = "working_days"  # a number of whole working days


@dataclass(frozen=True)
class SlaDuration:
    """A parsed SLA target: `value` minutes (TIME) or `value` working days (WORKING_DAYS)."""

    kind: DurationKind
    value: int

    @classmethod
    def minutes(cls, value: int) -> "SlaDuration":
        return cls(DurationKind.TIME, value)

    @classmethod
    def working_days(cls, value: int) -> "SlaDuration":
        return cls(DurationKind.WORKING_DAYS, value)

    def as_timedelta(self) -> timedelta:
        """The amount of time of a TIME target; ValueError for working days (no fixed length)."""
        if self.kind is not DurationKind.TIME:
            raise ValueError(f"{self} is counted in working days and has no fixed length")
        return timedelta(minutes=self.value)

    def __str__(self) -> str:
        """Canonical text, parsed back to an equal value: "1h30m", "2d", "5wd", "0m"."""
        if self.kind is DurationKind.WORKING_DAYS:
            return f"{self.value}wd"
        days, rest = divmod(self.value, 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [f"{days}d" if days else "", f"{hours}h" if hours else ""]
        parts.append(f"{minutes}m" if minutes or not (days or hours) else "")
        return "".join(parts)


def parse_duration(text: str) -> SlaDuration:
    """Parse an SLA target; ValueError naming `text` if it is not one of the forms below.

    "30m", "2h", "1h30m", "1h 30m", "5d", "1d12h" (units in the order d, h, m, each at most
    once; whole numbers; "0m" is a zero target) or "5wd" (at least 1 working day).
    """
    cleaned = text.strip().lower() if isinstance(text, str) else ""
    working_days = _WORKING_DAYS_TEXT.match(cleaned)
    if working_days:
        value = int(working_days.group(1))
        if value < 1:
            raise ValueError(f"SLA target {text!r}: use at least 1 working day")
        return SlaDuration.working_days(value)
    time_match = _TIME_TEXT.match(cleaned)
    if not cleaned or time_match is None:
        raise ValueError(
            f"SLA target {text!r}: expected minutes, hours, days or working days, "
            "like '30m', '2h', '1h30m', '5d' or '5wd'"
        )
    days, hours, minutes = (int(part or 0) for part in time_match.groups())
    total = (days * 24 + hours) * 60 + minutes
    if total > _MAX_MINUTES:
        raise ValueError(f"SLA target {text!r} is too long")
    return SlaDuration.minutes(total)


def format_duration(duration: timedelta) -> str:
    """Compact text for logs and tests (not for users: their text is localised elsewhere).

    The two largest units, the second always shown: "2d 3h", "2d 0h", "1h 05m", "45m";
    under a minute "30s"; negative durations get a "-" ("-1h 05m"). Truncates, never rounds.
    """
    if duration < timedelta(0):
        return "-" + format_duration(-duration)
    total_seconds = duration // timedelta(seconds=1)
    days, rest = divmod(total_seconds, 24 * 3600)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes or not seconds:
        return f"{minutes}m"
    return f"{seconds}s"
