"""An event's start as an admin types it: a date the customers' way (`domain.rules.dates`) and a
time of day, in the business's time zone: `2027-03-15 14:00`, `2027年3月15日 14:00`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.rules.dates import DateInputError, DateProblem, parse_customer_date

_TIME_OF_DAY = re.compile(r"^(\d{1,2})\s*[:：.]\s*(\d{2})$")
HORIZON = timedelta(days=2 * 366)  # an event further ahead than this is surely a typo
EXAMPLE = "2027-03-15 14:00"


class TimeProblem(StrEnum):
    UNREADABLE = "unreadable"
    PAST = "past"
    TOO_FAR = "too_far"


class EventTimeError(ValueError):
    def __init__(self, problem: TimeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def parse_event_time(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """The start, aware UTC, strictly after `now`; raises EventTimeError saying what is wrong."""
    day_text, _, clock_text = text.strip().rpartition(" ")
    found = _TIME_OF_DAY.match(clock_text.strip())
    if not day_text.strip() or found is None:
        raise EventTimeError(TimeProblem.UNREADABLE)
    hour, minute = int(found[1]), int(found[2])
    if hour > 23 or minute > 59:
        raise EventTimeError(TimeProblem.UNREADABLE)
    # The customers' parser refuses dates after its "today": the horizon is that today here.
    latest = (now.astimezone(zone) + HORIZON).date()
    try:
        day = parse_customer_date(day_text, latest)
    except DateInputError as error:
        problem = {
            DateProblem.IN_THE_FUTURE: TimeProblem.TOO_FAR,
            DateProblem.TOO_OLD: TimeProblem.PAST,
        }.get(error.problem, TimeProblem.UNREADABLE)
        raise EventTimeError(problem) from None
    starts = datetime.combine(day, time(hour, minute), zone)
    if starts <= now:
        raise EventTimeError(TimeProblem.PAST)
    return starts.astimezone(UTC)
