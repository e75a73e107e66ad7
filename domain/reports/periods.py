"""Which days a report covers: the last full week, month or quarter, or a range of dates.

Days are the business's days (its time zone); a period is half-open, from the first day's
midnight to the midnight after the last day, so consecutive periods neither overlap nor leave a
gap. Every period is compared with the one just before it: the week or month before, or for a
range, as many days just before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 2 * 366  # "a range over 2 years" is refused
KINDS = ("week", "month", "quarter")
RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


class PeriodError(ValueError):
    """Why a period was refused: "unknown", "reversed" or "too_long"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Period:
    kind: str  # "week", "month", "quarter" or "range"
    first_day: date
    last_day: date  # included
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> datetime:
        return midnight(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        return midnight(self.last_day + timedelta(days=1), self.zone)

    def day_starts(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range(self.days)]

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        if self.kind == "week":
            return week_before(self.first_day, self.zone)
        if self.kind == "month":
            return month_before(self.first_day, self.zone)
        if self.kind == "quarter":
            return quarter_before(self.first_day, self.zone)
        return Period(
            "range",
            self.first_day - timedelta(days=self.days),
            self.first_day - timedelta(days=1),
            self.zone,
        )

    def label(self) -> str:
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()} – {self.last_day.isoformat()}"


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def week_before(day: date, zone: ZoneInfo) -> Period:
    """The full week (Monday to Sunday) before the week of `day`."""
    monday = day - timedelta(days=day.weekday()) - timedelta(days=7)
    return Period("week", monday, monday + timedelta(days=6), zone)


def month_before(day: date, zone: ZoneInfo) -> Period:
    last = day.replace(day=1) - timedelta(days=1)
    return Period("month", last.replace(day=1), last, zone)


def quarter_before(day: date, zone: ZoneInfo) -> Period:
    first_of_quarter = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    last = first_of_quarter - timedelta(days=1)
    return Period("quarter", date(last.year, 3 * ((last.month - 1) // 3) + 1, 1), last, zone)


def parse_period(text: str | None, *, today: date, zone: ZoneInfo) -> Period:
    """The period a report asks for; the last full week when `text` is empty."""
    words = (text or "").strip().lower()
    if words in ("", "week"):
        return week_before(today, zone)
    if words == "month":
        return month_before(today, zone)
    if words == "quarter":
        return quarter_before(today, zone)
    found = RANGE.match(words)
    if found is None:
        raise PeriodError("unknown")
    try:
        first, last = (date.fromisoformat(part) for part in found.groups())
    except ValueError:
        raise PeriodError("unknown") from None
    if last < first:
        raise PeriodError("reversed")
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError("too_long")
    return Period("range", first, last, zone)


def periods_ending(kind: str, today: date, zone: ZoneInfo) -> Period:
    """The last full period of `kind` ("week" or "month") before `today`: what a scheduled
    report sends."""
    return week_before(today, zone) if kind == "week" else month_before(today, zone)
