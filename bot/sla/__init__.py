"""SLA timer arithmetic: business calendars, targets, deadlines, pauses and warnings.

Pure functions on plain values (no database, no Telegram). Instants are aware datetimes and
results are UTC; see `calendar` for working time, `durations` for target text and
`deadlines` for timers.
"""

from bot.sla.calendar import (
    BusinessCalendar,
    ClockKind,
    add_business_time,
    add_calendar_time,
    add_time,
    add_working_days,
    business_time_between,
    time_between,
)
from bot.sla.deadlines import WarningTime, due_at, resume_due_at, warning_times
from bot.sla.durations import DurationKind, SlaDuration, format_duration, parse_duration

__all__ = [
    "BusinessCalendar",
    "ClockKind",
    "DurationKind",
    "SlaDuration",
    "WarningTime",
    "add_business_time",
    "add_calendar_time",
    "add_time",
    "add_working_days",
    "business_time_between",
    "due_at",
    "format_duration",
    "parse_duration",
    "resume_due_at",
    "time_between",
    "warning_times",
]
