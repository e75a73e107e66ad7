"""SLA timer arithmetic: business calendars, targets, deadlines, pauses and warnings.

Pure functions on plain values (no database, no Telegram). Instants are aware datetimes and
results are UTC; see `calendar` for working time, `durations` for target text and
`deadlines` for timers.
"""

from domain.sla.calendar import (
    BusinessCalendar,
    ClockKind,
    add_business_time,
    add_calendar_time,
    add_time,
    add_working_days,
    business_time_between,
    time_between,
)
from domain.sla.deadlines import WarningTime, due_at, resume_due_at, warning_times
from domain.sla.durations import DurationKind, SlaDuration, format_duration, parse_duration
from domain.sla.timers import (
    AlertPoint,
    Change,
    SlaState,
    TicketFacts,
    Timer,
    WarningRules,
    alert_points,
    due_points,
    next_alert_after,
    recompute,
)

__all__ = [
    "AlertPoint",
    "BusinessCalendar",
    "Change",
    "ClockKind",
    "DurationKind",
    "SlaDuration",
    "SlaState",
    "TicketFacts",
    "Timer",
    "WarningRules",
    "WarningTime",
    "add_business_time",
    "add_calendar_time",
    "add_time",
    "add_working_days",
    "alert_points",
    "business_time_between",
    "due_at",
    "due_points",
    "format_duration",
    "next_alert_after",
    "parse_duration",
    "recompute",
    "resume_due_at",
    "time_between",
    "warning_times",
]
