"""Calendars and a local-time helper shared by the SLA tests."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.sla.calendar import BusinessCalendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
ALL_DAYS = (*WEEKDAYS, "sat", "sun")


def dates(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# Weekdays 09:00-18:00, Shanghai (no DST).
OFFICE = BusinessCalendar.from_config("Asia/Shanghai", {day: ["09:00-18:00"] for day in WEEKDAYS})

# Weekdays with a lunch break, the 2026 National Day holidays (Thu 1 - Wed 7 October) and an
# adjusted working Saturday (10 October) that works Monday's hours. Illustrative dates.
CHINA_OFFICE = BusinessCalendar.from_config(
    "Asia/Shanghai",
    {day: ["09:00-12:00", "13:00-18:00"] for day in WEEKDAYS},
    holidays=dates("2026-10-01", "2026-10-07"),
    extra_working_days=[date(2026, 10, 10)],
)

# Every day 09:00-18:00, Berlin: DST changes at 02:00/03:00 happen outside working hours.
BERLIN_DAILY = BusinessCalendar.from_config(
    "Europe/Berlin", {day: ["09:00-18:00"] for day in ALL_DAYS}
)

# Every night 22:00-06:00, Berlin, typed as two intervals per day.
BERLIN_NIGHTS = BusinessCalendar.from_config(
    "Europe/Berlin", {day: ["00:00-06:00", "22:00-24:00"] for day in ALL_DAYS}
)

BERLIN_24_7 = BusinessCalendar.always_open("Europe/Berlin")
SHANGHAI_24_7 = BusinessCalendar.always_open("Asia/Shanghai")


def local(text: str, calendar: BusinessCalendar | str) -> datetime:
    """'2026-03-02 17:30' on the wall clock of `calendar` (or of a zone name)."""
    tz = ZoneInfo(calendar) if isinstance(calendar, str) else calendar.tz
    return datetime.fromisoformat(text).replace(tzinfo=tz)
