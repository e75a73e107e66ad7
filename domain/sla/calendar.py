"""Business calendars and the arithmetic of working time.

Every function here is pure. Instants go in and come out as aware datetimes; results are in UTC
(an aware input in any zone is accepted and read as the instant it names; a naive one is a
ValueError). Working hours are read on the calendar's wall clock, in its own time zone, never
the server's. How local times map to instants on DST change days: see `domain.sla.localtime`.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.sla.hours import DayHours, normalise_day_hours, parse_day_hours
from domain.sla.localtime import MINUTES_PER_DAY, local_instant

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class BusinessCalendar:
    """When work happens: weekly hours in a time zone, minus holidays, plus extra working days.

    - `weekly_hours[0]` is Monday ... `weekly_hours[6]` Sunday; each a tuple of
      ``(start, end)`` minutes since local midnight (see `domain.sla.hours`; 1440 = 24:00).
    - `holidays`: dates with no work at all, whatever the weekday.
    - `extra_working_days`: dates that work although their weekday is closed, e.g. the Chinese
      "adjusted working days" (调休) on a weekend. They work `extra_day_hours`, which default
      to Monday's hours. On such a date those hours replace the weekday's own.
    - A date may not be both a holiday and an extra working day.
    """

    tz: ZoneInfo
    weekly_hours: tuple[DayHours, ...]
    holidays: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    extra_day_hours: DayHours | None = None

    def __post_init__(self) -> None:
        if len(self.weekly_hours) != 7:
            raise ValueError(
                f"weekly_hours needs 7 days (Monday first), got {self.weekly_hours!r}"
            )
        weekly = tuple(
            normalise_day_hours(hours, where=name)
            for name, hours in zip(WEEKDAY_NAMES, self.weekly_hours, strict=True)
        )
        object.__setattr__(self, "weekly_hours", weekly)
        extra_hours = weekly[0] if self.extra_day_hours is None else self.extra_day_hours
        extra_hours = normalise_day_hours(extra_hours, where="extra working days")
        object.__setattr__(self, "extra_day_hours", extra_hours)
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "extra_working_days", frozenset(self.extra_working_days))
        for day in (*self.holidays, *self.extra_working_days):
            _check_is_date(day)
        both = sorted(self.holidays & self.extra_working_days)
        if both:
            raise ValueError(f"dates both holiday and extra working day: {_iso(both)}")
        if self.extra_working_days and not extra_hours:
            raise ValueError(
                f"extra working days {_iso(sorted(self.extra_working_days))} have no hours: "
                "Monday is closed, so give extra_day_hours"
            )

    @classmethod
    def from_config(
        cls,
        tz: str,
        hours: Mapping[str, list[str]],
        holidays: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
        extra_day_hours: list[str] | None = None,
    ) -> "BusinessCalendar":
        """Build a calendar from configuration values.

        `hours` maps "mon".."sun" to lists like ``["09:00-12:00", "13:00-18:00"]``; a missing
        day or ``[]`` is closed, and ``["00:00-24:00"]`` is open all day. Raises ValueError
        naming the bad value (unknown zone, unknown day, malformed or overlapping interval).
        """
        unknown = sorted(set(hours) - set(WEEKDAY_NAMES))
        if unknown:
            raise ValueError(f"unknown weekday {unknown[0]!r}: use one of {WEEKDAY_NAMES}")
        return cls(
            tz=parse_time_zone(tz),
            weekly_hours=tuple(
                parse_day_hours(name, hours.get(name, [])) for name in WEEKDAY_NAMES
            ),
            holidays=frozenset(holidays),
            extra_working_days=frozenset(extra_working_days),
            extra_day_hours=(
                None
                if extra_day_hours is None
                else parse_day_hours("extra working days", extra_day_hours)
            ),
        )

    @classmethod
    def always_open(cls, tz: str | ZoneInfo = "UTC") -> "BusinessCalendar":
        """A 24/7 calendar: every day 00:00-24:00, no holidays (business time = real time)."""
        zone = tz if isinstance(tz, ZoneInfo) else parse_time_zone(tz)
        return cls(tz=zone, weekly_hours=(((0, MINUTES_PER_DAY),),) * 7)

    def hours_on(self, day: date) -> DayHours:
        """The wall-clock working intervals of `day` (empty on holidays and closed days)."""
        if day in self.holidays:
            return ()
        if day in self.extra_working_days:
            assert self.extra_day_hours is not None
            return self.extra_day_hours
        return self.weekly_hours[day.weekday()]

    def is_working_day(self, day: date) -> bool:
        """Whether `day` has any working time."""
        return bool(self.utc_intervals(day))

    def working_intervals(self, day: date) -> list[Span]:
        """The working intervals of `day` as aware datetimes in the calendar's zone.

        Each wall-clock boundary becomes the first instant the clock shows it (see
        `domain.sla.localtime`). An interval that contains a DST change is shorter or longer in
        real time: in Europe/Berlin, where clocks change between 02:00 and 03:00, a
        00:00-24:00 day lasts 23 h in spring and 25 h in autumn, 00:00-06:00 lasts 5 h or 7 h,
        while 09:00-18:00 stays 9 h. An interval wholly inside a skipped hour is dropped.
        A boundary in a repeated hour carries ``fold=0``; by PEP 495 such a datetime never
        compares equal to one in another zone, so compare and subtract after ``.astimezone(UTC)``
        (or use `utc_intervals`).
        """
        return [
            (opens.astimezone(self.tz), closes.astimezone(self.tz))
            for opens, closes in self.utc_intervals(day)
        ]

    def utc_intervals(self, day: date) -> list[Span]:
        """`working_intervals` in UTC (safe for arithmetic: Python subtracts two datetimes of
        the same zone by wall clock, which is wrong across a DST change)."""
        spans = []
        for start, end in self.hours_on(day):
            opens = local_instant(day, start, self.tz)
            closes = local_instant(day, end, self.tz)
            if opens < closes:
                spans.append((opens, closes))
        return spans

    def last_possible_working_day(self) -> date | None:
        """None when work recurs every week; otherwise the last date that can have work."""
        if any(self.weekly_hours):
            return None
        return max(self.extra_working_days, default=date.min)


def parse_time_zone(name: str) -> ZoneInfo:
    """Load an IANA zone such as "Asia/Shanghai"; ValueError naming `name` if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name like 'Asia/Shanghai'"
        ) from error


class ClockKind(StrEnum):
    """How an SLA clock runs: only during business hours, or around the clock."""

    BUSINESS = "business"
    CALENDAR = "calendar"


def add_business_time(
    start: datetime, duration: timedelta, calendar: BusinessCalendar
) -> datetime:
    """The earliest instant by which `duration` of working time has elapsed since `start`.

    - Counting begins at `start` if it is inside working hours, else at the next opening.
    - A deadline that uses up a working interval exactly is that interval's closing instant
      (17:00 + 1 h in a 09:00-18:00 calendar is 18:00 the same day, not 09:00 the next).
    - Zero duration returns `start` unchanged, even outside working hours (as Zammad does).
    - Negative duration, or a calendar that runs out of working time, raises ValueError.
    Property: ``business_time_between(start, add_business_time(start, d, c), c) == d``.
    """
    start = as_utc(start)
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    if duration == ZERO:
        return start
    remaining = duration
    for opens, closes in _spans_from(start, calendar):
        if closes <= start:
            continue
        begin = max(opens, start)
        available = closes - begin
        if remaining <= available:
            return begin + remaining
        remaining -= available
    raise ValueError(f"the calendar has no working time left to count {duration} from {start}")


def add_working_days(start: datetime, days: int, calendar: BusinessCalendar) -> datetime:
    """Close of business on the `days`-th working day after the calendar date of `start`.

    Day 1 is the first working day whose local date is after the date of `start`; the day the
    ticket arrives does not count, however early it arrives. With 09:00-18:00 on weekdays, a
    ticket opened Monday 10:00 with 5 working days is due the next Monday at 18:00 (Tue, Wed,
    Thu, Fri, Mon); opened on Saturday, it is due Friday 18:00. Holidays are skipped, extra
    working days count. Close of business is the end of the day's last working interval.
    Raises ValueError if `days` < 1 or the calendar runs out of working days.
    """
    start = as_utc(start)
    if days < 1:
        raise ValueError(f"working days must be at least 1, got {days}")
    day = start.astimezone(calendar.tz).date()
    last = calendar.last_possible_working_day()
    counted = 0
    while last is None or day < last:
        day += ONE_DAY
        spans = calendar.utc_intervals(day)
        if spans:
            counted += 1
            if counted == days:
                return spans[-1][1]
    raise ValueError(f"the calendar has fewer than {days} working days after {start}")


def business_time_between(start: datetime, end: datetime, calendar: BusinessCalendar) -> timedelta:
    """Working time inside [start, end]; negative (the same amount) when `end` is before `start`.

    Used to measure what is left of a paused timer and what share of a target has elapsed.
    """
    start, end = as_utc(start), as_utc(end)
    if end < start:
        return -business_time_between(end, start, calendar)
    total = ZERO
    for opens, closes in _spans_from(start, calendar):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        if overlap > ZERO:
            total += overlap
    return total


def add_calendar_time(start: datetime, duration: timedelta) -> datetime:
    """`start` + `duration` in real elapsed time (across DST a 4 h target is 4 real hours)."""
    return as_utc(start) + duration


def add_time(
    kind: ClockKind, start: datetime, duration: timedelta, calendar: BusinessCalendar
) -> datetime:
    """Add `duration` on the given clock: business time per `calendar`, or real time."""
    if ClockKind(kind) is ClockKind.BUSINESS:
        return add_business_time(start, duration, calendar)
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    return add_calendar_time(start, duration)


def time_between(
    kind: ClockKind, start: datetime, end: datetime, calendar: BusinessCalendar
) -> timedelta:
    """Time from `start` to `end` on the given clock (negative when `end` is earlier)."""
    if ClockKind(kind) is ClockKind.BUSINESS:
        return business_time_between(start, end, calendar)
    return as_utc(end) - as_utc(start)


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; ValueError for a naive datetime (its zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _spans_from(start: datetime, calendar: BusinessCalendar) -> Iterator[Span]:
    """Working spans in UTC, day by day, from the day before `start`'s local date (a day's
    hours end by its 24:00, so nothing earlier can reach `start`); stops when the calendar has
    no more working days, otherwise never."""
    day = start.astimezone(calendar.tz).date() - ONE_DAY
    last = calendar.last_possible_working_day()
    while last is None or day <= last:
        yield from calendar.utc_intervals(day)
        day += ONE_DAY


def _check_is_date(day: object) -> None:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise ValueError(f"holidays and extra working days must be dates, got {day!r}")


def _iso(days: Iterable[date]) -> str:
    return ", ".join(day.isoformat() for day in days)
