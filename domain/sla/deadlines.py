"""SLA timer math on plain values: deadlines, pauses and warning instants.

Nothing here knows tickets or the database: callers pass instants, targets and the calendar,
and store what comes back (UTC). Each timer runs on a clock (`ClockKind`): BUSINESS counts only
the calendar's working hours, CALENDAR counts real elapsed time.
"""

from datetime import datetime, timedelta
from typing import NamedTuple

from domain.sla.calendar import (
    ZERO,
    BusinessCalendar,
    ClockKind,
    add_time,
    add_working_days,
    as_utc,
    time_between,
)
from domain.sla.durations import DurationKind, SlaDuration


class WarningTime(NamedTuple):
    """One warning level of a timer: a stable `level` key and the instant it is due (UTC)."""

    level: str
    at: datetime


def due_at(
    start: datetime, target: SlaDuration, clock: ClockKind, calendar: BusinessCalendar
) -> datetime:
    """When a timer started at `start` with `target` is due (UTC).

    A TIME target is added on `clock` (`add_time`). A WORKING_DAYS target is always counted in
    the calendar's working days, whatever the clock (`add_working_days`: close of business on
    the N-th working day after the start's date).
    """
    if target.kind is DurationKind.WORKING_DAYS:
        return add_working_days(start, target.value, calendar)
    return add_time(clock, start, target.as_timedelta(), calendar)


def resume_due_at(
    paused_at: datetime,
    resumed_at: datetime,
    due_at: datetime,
    clock: ClockKind,
    calendar: BusinessCalendar,
) -> datetime:
    """The new deadline of a timer paused at `paused_at` (waiting for the customer) and resumed
    at `resumed_at`.

    What was left when it paused — `due_at` minus `paused_at`, measured on `clock` — is added
    again from `resumed_at`, so a pause outside working hours leaves a business deadline where
    it was. A timer paused at or after its deadline stays breached: `due_at` comes back unchanged.
    Raises ValueError if `resumed_at` is before `paused_at`.
    """
    if as_utc(resumed_at) < as_utc(paused_at):
        raise ValueError(f"resumed at {resumed_at} before it was paused at {paused_at}")
    remaining = time_between(clock, paused_at, due_at, calendar)
    if remaining <= ZERO:
        return as_utc(due_at)
    return add_time(clock, resumed_at, remaining, calendar)


def warning_times(
    start: datetime,
    due: datetime,
    clock: ClockKind,
    calendar: BusinessCalendar,
    warn_at_percent: list[int],
    warn_before: list[timedelta],
) -> list[WarningTime]:
    """The instants at which to warn that the timer from `start` to `due` is running out.

    - ``warn_at_percent`` (whole numbers 1..99): when that share of the span has elapsed on
      `clock`; level key "warn75".
    - ``warn_before`` (positive whole minutes): when only that much time is left before `due`,
      measured on `clock`; level key "warn-30m", "warn-1h30m".
    Each instant is the earliest at which its share of the span is used up (the rule of
    `add_business_time`), so it may fall on a closing time: with a Monday 09:30 deadline in a
    09:00-18:00 weekday calendar, "warn-30m" is Friday 18:00, not Monday 09:00.
    Warnings at or before `start` are dropped (a lead longer than the span);
    the rest are sorted by time, then level. Level keys are stable: they become part of a unique
    alert key. Raises ValueError for a percent outside 1..99 or a bad lead time.
    """
    span = time_between(clock, start, due, calendar)
    positions: dict[str, timedelta] = {}
    for percent in warn_at_percent:
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 < percent < 100:
            raise ValueError(f"warning percent must be a whole number 1..99, got {percent!r}")
        positions[f"warn{percent}"] = span * percent / 100
    for lead in warn_before:
        if lead <= ZERO or lead % timedelta(minutes=1):
            raise ValueError(f"warning lead time must be whole minutes above 0, got {lead}")
        positions[f"warn-{SlaDuration.minutes(lead // timedelta(minutes=1))}"] = span - lead
    start = as_utc(start)
    warnings = [
        WarningTime(level, add_time(clock, start, elapsed, calendar))
        for level, elapsed in positions.items()
        if elapsed > ZERO
    ]
    return sorted(
        (warning for warning in warnings if warning.at > start),
        key=lambda warning: (warning.at, warning.level),
    )
