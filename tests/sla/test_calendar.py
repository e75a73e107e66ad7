"""Business calendars: configuration, working intervals and working-time arithmetic."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.sla.calendar import (
    BusinessCalendar,
    ClockKind,
    add_business_time,
    add_time,
    add_working_days,
    business_time_between,
    time_between,
)
from tests.sla.calendars import (
    BERLIN_24_7,
    BERLIN_DAILY,
    BERLIN_NIGHTS,
    CHINA_OFFICE,
    OFFICE,
    SHANGHAI_24_7,
    local,
)

# A calendar typed the way Zammad #3180's users did: 00:00-23:59 instead of 00:00-24:00.
ALMOST_24_7 = BusinessCalendar.from_config(
    "Asia/Shanghai", {day: ["00:00-23:59"] for day in ("mon", "tue", "wed", "thu", "fri")}
)


def berlin_sunday(*hours: str) -> BusinessCalendar:
    return BusinessCalendar.from_config("Europe/Berlin", {"sun": list(hours)})


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- configuration ------------------------------------------------------------------------


def test_hours_are_read_into_sorted_minute_intervals() -> None:
    calendar = BusinessCalendar.from_config(
        "Asia/Shanghai",
        {
            "mon": ["13:00-18:00", "09:00-12:00"],
            "tue": ["09:00-12:00", "12:00-18:00"],
            "wed": ["00:00-24:00"],
            "sat": [],
        },
    )
    assert calendar.tz == ZoneInfo("Asia/Shanghai")
    assert calendar.weekly_hours == (
        ((540, 720), (780, 1080)),  # sorted
        ((540, 1080),),  # touching intervals joined
        ((0, 1440),),  # 24:00 is the end of the day
        (),  # a day left out is closed
        (),
        (),
        (),
    )


def test_extra_working_days_default_to_mondays_hours() -> None:
    assert CHINA_OFFICE.hours_on(date(2026, 10, 10)) == ((540, 720), (780, 1080))


def test_extra_working_days_can_have_their_own_hours() -> None:
    calendar = BusinessCalendar.from_config(
        "Asia/Shanghai",
        {"mon": ["09:00-18:00"]},
        extra_working_days=[date(2026, 10, 10)],
        extra_day_hours=["10:00-16:00"],
    )
    assert calendar.hours_on(date(2026, 10, 10)) == ((600, 960),)


@pytest.mark.parametrize(
    ("config", "named_in_message"),
    [
        pytest.param({"tz": "Mars/Olympus_Mons"}, "Mars/Olympus_Mons", id="an unknown zone"),
        pytest.param({"hours": {"tues": ["09:00-18:00"]}}, "tues", id="an unknown weekday"),
        pytest.param({"hours": {"mon": ["9-18"]}}, "9-18", id="hours without minutes"),
        pytest.param({"hours": {"mon": ["09:00-25:00"]}}, "09:00-25:00", id="an hour past 24"),
        pytest.param({"hours": {"mon": ["24:00-24:00"]}}, "24:00-24:00", id="a start at 24:00"),
        pytest.param({"hours": {"mon": ["09:60-18:00"]}}, "09:60-18:00", id="minute 60"),
        pytest.param(
            {"hours": {"mon": ["22:00-06:00"]}}, "across midnight", id="a backward shift"
        ),
        pytest.param({"hours": {"mon": ["09:00-09:00"]}}, "09:00-09:00", id="an empty interval"),
        pytest.param(
            {"hours": {"mon": ["09:00-13:00", "12:00-18:00"]}}, "overlaps", id="overlapping hours"
        ),
        pytest.param({"hours": {"mon": "09:00-18:00"}}, "expected a list", id="a bare string"),
        pytest.param({"holidays": ["2026-10-01"]}, "2026-10-01", id="a holiday given as text"),
        pytest.param(
            {"holidays": [date(2026, 10, 10)], "extra_working_days": [date(2026, 10, 10)]},
            "2026-10-10",
            id="a date both holiday and working day",
        ),
        pytest.param(
            {"hours": {"tue": ["09:00-18:00"]}, "extra_working_days": [date(2026, 10, 10)]},
            "extra_day_hours",
            id="extra working days when Monday is closed",
        ),
        pytest.param(
            {"extra_working_days": [date(2026, 10, 10)], "extra_day_hours": ["noon"]},
            "noon",
            id="malformed extra day hours",
        ),
    ],
)
def test_bad_configuration_is_rejected_naming_the_value(
    config: dict, named_in_message: str
) -> None:
    arguments = {"tz": "Asia/Shanghai", "hours": {"mon": ["09:00-18:00"]}} | config
    with pytest.raises(ValueError, match=named_in_message):
        BusinessCalendar.from_config(**arguments)


# --- working intervals ---------------------------------------------------------------------


def wall_clock(spans: list[tuple[datetime, datetime]], day: date) -> list[str]:
    def clock(moment: datetime) -> str:
        return "24:00" if moment.date() > day else f"{moment:%H:%M}"

    return [f"{clock(opens)}-{clock(closes)}" for opens, closes in spans]


@pytest.mark.parametrize(
    ("calendar", "day", "expected"),
    [
        pytest.param(
            CHINA_OFFICE, "2026-09-28", ["09:00-12:00", "13:00-18:00"], id="lunch splits a day"
        ),
        pytest.param(CHINA_OFFICE, "2026-10-01", [], id="a holiday has no working time"),
        pytest.param(
            CHINA_OFFICE,
            "2026-10-10",
            ["09:00-12:00", "13:00-18:00"],
            id="an adjusted working Saturday works Monday's hours",
        ),
        pytest.param(CHINA_OFFICE, "2026-10-11", [], id="an ordinary Sunday is closed"),
        pytest.param(SHANGHAI_24_7, "2026-03-02", ["00:00-24:00"], id="a 24/7 day is whole"),
        pytest.param(
            BERLIN_NIGHTS, "2026-03-02", ["00:00-06:00", "22:00-24:00"], id="night shifts"
        ),
    ],
)
def test_working_intervals_on_the_wall_clock(
    calendar: BusinessCalendar, day: str, expected: list[str]
) -> None:
    the_day = date.fromisoformat(day)
    spans = calendar.working_intervals(the_day)
    assert wall_clock(spans, the_day) == expected
    assert all(moment.tzinfo == calendar.tz for span in spans for moment in span)


@pytest.mark.parametrize(
    ("calendar", "day", "real_hours"),
    [
        pytest.param(BERLIN_24_7, "2026-03-29", 23, id="an all-day day is 23 h in spring"),
        pytest.param(BERLIN_24_7, "2026-10-25", 25, id="an all-day day is 25 h in autumn"),
        pytest.param(BERLIN_24_7, "2026-03-30", 24, id="an all-day ordinary day is 24 h"),
        pytest.param(BERLIN_DAILY, "2026-03-29", 9, id="09:00-18:00 is 9 h in spring"),
        pytest.param(BERLIN_DAILY, "2026-10-25", 9, id="09:00-18:00 is 9 h in autumn"),
        pytest.param(BERLIN_NIGHTS, "2026-03-29", 5 + 2, id="night shifts lose an hour"),
        pytest.param(BERLIN_NIGHTS, "2026-10-25", 7 + 2, id="night shifts gain an hour"),
        pytest.param(SHANGHAI_24_7, "2026-03-29", 24, id="Shanghai has no DST"),
    ],
)
def test_working_time_of_a_dst_change_day_in_real_hours(
    calendar: BusinessCalendar, day: str, real_hours: int
) -> None:
    spans = calendar.working_intervals(date.fromisoformat(day))
    total = sum(
        (closes.astimezone(UTC) - opens.astimezone(UTC) for opens, closes in spans),
        start=timedelta(),
    )
    assert total == timedelta(hours=real_hours)


@pytest.mark.parametrize(
    ("hours", "day", "expected_utc"),
    [
        pytest.param(
            "02:30-06:00",
            "2026-03-29",
            [("2026-03-29 01:00", "2026-03-29 04:00")],
            id="a shift starting in the skipped hour starts when the clock jumps to 03:00",
        ),
        pytest.param(
            "00:00-02:30",
            "2026-03-29",
            [("2026-03-28 23:00", "2026-03-29 01:00")],
            id="a shift ending in the skipped hour ends when the clock jumps",
        ),
        pytest.param(
            "02:15-02:45", "2026-03-29", [], id="a shift inside the skipped hour never happens"
        ),
        pytest.param(
            "02:30-06:00",
            "2026-10-25",
            [("2026-10-25 00:30", "2026-10-25 05:00")],
            id="a shift starting in the repeated hour starts at its first occurrence (fold=0)",
        ),
        pytest.param(
            "00:00-02:30",
            "2026-10-25",
            [("2026-10-24 22:00", "2026-10-25 00:30")],
            id="a shift ending in the repeated hour ends at its first occurrence (fold=0)",
        ),
    ],
)
def test_boundaries_in_skipped_or_repeated_hours(
    hours: str, day: str, expected_utc: list[tuple[str, str]]
) -> None:
    spans = berlin_sunday(hours).working_intervals(date.fromisoformat(day))
    # PEP 495: a repeated local time never equals an instant in another zone, so compare in UTC.
    in_utc = [(opens.astimezone(UTC), closes.astimezone(UTC)) for opens, closes in spans]
    assert in_utc == [(utc(opens), utc(closes)) for opens, closes in expected_utc]
    assert all(opens.fold == 0 for opens, _ in spans)


# --- adding business time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "expected"),
    [
        pytest.param(
            OFFICE,
            "2026-03-02 17:30",
            timedelta(hours=2),
            "2026-03-03 10:30",
            id="a ticket at 17:30 with 2 business hours is due 10:30 the next working day",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 07:00",
            timedelta(hours=1),
            "2026-03-02 10:00",
            id="a ticket before opening starts counting at 09:00",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 09:00",
            timedelta(hours=1),
            "2026-03-02 10:00",
            id="a ticket exactly at opening counts from that minute",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 18:00",
            timedelta(hours=1),
            "2026-03-03 10:00",
            id="a ticket exactly at closing counts from the next opening",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 17:00",
            timedelta(hours=1),
            "2026-03-02 18:00",
            id="a deadline that uses up the day is the closing time, not the next opening",
        ),
        pytest.param(
            OFFICE,
            "2026-03-06 17:00",
            timedelta(hours=2),
            "2026-03-09 10:00",
            id="a Friday evening ticket is due on Monday",
        ),
        pytest.param(
            OFFICE,
            "2026-03-07 12:00",
            timedelta(minutes=30),
            "2026-03-09 09:30",
            id="a Saturday ticket starts counting on Monday",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 09:00",
            timedelta(hours=10 * 9),
            "2026-03-13 18:00",
            id="ten working days of hours end at the second Friday's close",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 10:00",
            timedelta(hours=100 * 9),
            "2026-07-20 10:00",
            id="a hundred working days of hours from Monday 10:00 end twenty weeks later",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-09-28 11:00",
            timedelta(hours=2),
            "2026-09-28 14:00",
            id="the lunch break pauses the count",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-09-28 12:30",
            timedelta(hours=1),
            "2026-09-28 14:00",
            id="a ticket during lunch starts counting at 13:00",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-09-30 17:00",
            timedelta(hours=2),
            "2026-10-08 10:00",
            id="the National Day holidays are skipped",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-10-09 17:00",
            timedelta(hours=2),
            "2026-10-10 10:00",
            id="an adjusted working Saturday counts like a Monday",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-10-10 11:00",
            timedelta(hours=2),
            "2026-10-10 14:00",
            id="an adjusted working Saturday keeps Monday's lunch break",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-10-10 17:00",
            timedelta(hours=2),
            "2026-10-12 10:00",
            id="the Sunday after an adjusted working Saturday is closed",
        ),
        pytest.param(
            BERLIN_NIGHTS,
            "2026-03-02 23:30",
            timedelta(hours=1),
            "2026-03-03 00:30",
            id="a night shift runs through midnight as one shift",
        ),
        pytest.param(
            BERLIN_NIGHTS,
            "2026-03-03 05:00",
            timedelta(hours=2),
            "2026-03-03 23:00",
            id="after the night shift closes at 06:00 counting resumes at 22:00",
        ),
        pytest.param(
            BERLIN_NIGHTS,
            "2026-03-28 22:00",
            timedelta(hours=8),
            "2026-03-29 23:00",
            id="a night shift is an hour shorter when clocks spring forward",
        ),
        pytest.param(
            BERLIN_NIGHTS,
            "2026-10-24 22:00",
            timedelta(hours=8),
            "2026-10-25 05:00",
            id="a night shift is an hour longer when clocks fall back",
        ),
        pytest.param(
            SHANGHAI_24_7,
            "2026-03-02 23:59",
            timedelta(minutes=2),
            "2026-03-03 00:01",
            id="a 24/7 calendar loses no minute at midnight",
        ),
        pytest.param(
            ALMOST_24_7,
            "2026-03-02 23:58",
            timedelta(minutes=2),
            "2026-03-03 00:01",
            id="a calendar typed as 00:00-23:59 does lose one (Zammad #3180)",
        ),
        pytest.param(
            BERLIN_24_7,
            "2026-03-28 12:00",
            timedelta(hours=24),
            "2026-03-29 13:00",
            id="24 all-day business hours end an hour later on the wall clock in spring",
        ),
        pytest.param(
            BERLIN_24_7,
            "2026-10-24 12:00",
            timedelta(hours=24),
            "2026-10-25 11:00",
            id="24 all-day business hours end an hour earlier on the wall clock in autumn",
        ),
        pytest.param(
            BERLIN_DAILY,
            "2026-03-28 17:00",
            timedelta(hours=2),
            "2026-03-29 10:00",
            id="a 09:00-18:00 calendar is unaffected by the spring change",
        ),
        pytest.param(
            BERLIN_DAILY,
            "2026-10-24 17:00",
            timedelta(hours=2),
            "2026-10-25 10:00",
            id="a 09:00-18:00 calendar is unaffected by the autumn change",
        ),
    ],
)
def test_add_business_time(
    calendar: BusinessCalendar, start: str, duration: timedelta, expected: str
) -> None:
    due = add_business_time(local(start, calendar), duration, calendar)
    assert due == local(expected, calendar)
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    "start",
    [
        pytest.param("2026-03-07 12:00", id="on a Saturday"),
        pytest.param("2026-03-02 20:00", id="in the evening"),
        pytest.param("2026-03-02 10:00", id="during working hours"),
    ],
)
def test_zero_business_time_is_the_start_itself(start: str) -> None:
    assert add_business_time(local(start, OFFICE), timedelta(0), OFFICE) == local(start, OFFICE)


def test_a_start_in_another_zone_is_the_same_instant() -> None:
    start = local("2026-03-02 10:30", "UTC")  # 18:30 in Shanghai: after closing
    assert add_business_time(start, timedelta(hours=1), OFFICE) == local(
        "2026-03-03 10:00", OFFICE
    )


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "message"),
    [
        pytest.param(
            OFFICE, datetime(2026, 3, 2, 10), timedelta(hours=1), "naive", id="a naive start"
        ),
        pytest.param(
            OFFICE,
            local("2026-03-02 10:00", OFFICE),
            timedelta(minutes=-1),
            "negative",
            id="a negative duration",
        ),
        pytest.param(
            BusinessCalendar.from_config("UTC", {}),
            local("2026-03-02 10:00", "UTC"),
            timedelta(minutes=1),
            "no working time",
            id="a calendar that never works",
        ),
        pytest.param(
            BusinessCalendar.from_config(
                "UTC",
                {},
                extra_working_days=[date(2026, 3, 7)],
                extra_day_hours=["09:00-10:00"],
            ),
            local("2026-03-02 10:00", "UTC"),
            timedelta(minutes=61),
            "no working time",
            id="a calendar whose only working day runs out",
        ),
    ],
)
def test_impossible_additions_raise(
    calendar: BusinessCalendar, start: datetime, duration: timedelta, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        add_business_time(start, duration, calendar)


# --- working days --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        pytest.param(
            OFFICE,
            "2026-03-02 10:00",
            5,
            "2026-03-09 18:00",
            id="Monday 10:00 plus 5 working days is due the next Monday at close",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 07:00",
            1,
            "2026-03-03 18:00",
            id="the day of arrival never counts, even before opening",
        ),
        pytest.param(
            OFFICE,
            "2026-03-07 12:00",
            5,
            "2026-03-13 18:00",
            id="a Saturday ticket plus 5 working days is due Friday at close",
        ),
        pytest.param(
            OFFICE,
            "2026-03-06 20:00",
            1,
            "2026-03-09 18:00",
            id="a Friday evening ticket plus 1 working day is due Monday at close",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 10:00",
            10,
            "2026-03-16 18:00",
            id="10 working days span two weekends",
        ),
        pytest.param(
            OFFICE,
            "2026-03-03 00:30",
            1,
            "2026-03-04 18:00",
            id="days are the calendar's local dates, not UTC dates",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-09-30 10:00",
            2,
            "2026-10-09 18:00",
            id="holidays are not working days",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-10-08 10:00",
            2,
            "2026-10-10 18:00",
            id="an adjusted working Saturday is a working day",
        ),
        pytest.param(
            BERLIN_NIGHTS,
            "2026-03-02 10:00",
            1,
            "2026-03-04 00:00",
            id="a night-shift day closes at its midnight",
        ),
    ],
)
def test_add_working_days(
    calendar: BusinessCalendar, start: str, days: int, expected: str
) -> None:
    due = add_working_days(local(start, calendar), days, calendar)
    assert due == local(expected, calendar)
    assert due.tzinfo is UTC


def test_zero_working_days_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        add_working_days(local("2026-03-02 10:00", OFFICE), 0, OFFICE)


def test_working_days_beyond_the_last_extra_working_day_raise() -> None:
    calendar = BusinessCalendar.from_config(
        "UTC", {}, extra_working_days=[date(2026, 3, 7)], extra_day_hours=["09:00-10:00"]
    )
    start = local("2026-03-02 10:00", "UTC")
    assert add_working_days(start, 1, calendar) == local("2026-03-07 10:00", "UTC")
    with pytest.raises(ValueError, match="fewer than 2 working days"):
        add_working_days(start, 2, calendar)


# --- measuring business time ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "start", "end", "expected"),
    [
        pytest.param(
            OFFICE, "2026-03-02 09:00", "2026-03-02 18:00", timedelta(hours=9), id="a full day"
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 17:00",
            "2026-03-03 10:00",
            timedelta(hours=2),
            id="the evening and night do not count",
        ),
        pytest.param(
            OFFICE,
            "2026-03-06 17:00",
            "2026-03-09 10:00",
            timedelta(hours=2),
            id="the weekend does not count",
        ),
        pytest.param(
            OFFICE,
            "2026-03-02 00:00",
            "2026-03-09 00:00",
            timedelta(hours=45),
            id="a week of office hours is 45 hours",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-09-28 11:00",
            "2026-09-28 14:00",
            timedelta(hours=2),
            id="lunch does not count",
        ),
        pytest.param(
            CHINA_OFFICE,
            "2026-09-30 00:00",
            "2026-10-11 00:00",
            timedelta(hours=4 * 8),
            id="a holiday week with an adjusted Saturday has 4 working days",
        ),
        pytest.param(
            BERLIN_24_7,
            "2026-03-29 00:00",
            "2026-03-30 00:00",
            timedelta(hours=23),
            id="an all-day spring-forward day has 23 hours",
        ),
        pytest.param(
            OFFICE, "2026-03-07 10:00", "2026-03-08 10:00", timedelta(0), id="a closed weekend"
        ),
        pytest.param(
            OFFICE, "2026-03-02 10:00", "2026-03-02 10:00", timedelta(0), id="no time at all"
        ),
    ],
)
def test_business_time_between(
    calendar: BusinessCalendar, start: str, end: str, expected: timedelta
) -> None:
    assert business_time_between(local(start, calendar), local(end, calendar), calendar) == (
        expected
    )


def test_business_time_backwards_is_negative() -> None:
    start, end = local("2026-03-06 17:00", OFFICE), local("2026-03-09 10:00", OFFICE)
    assert business_time_between(end, start, OFFICE) == -timedelta(hours=2)


PROPERTY_CALENDARS = [
    pytest.param(CHINA_OFFICE, id="office with lunch, holidays and an adjusted Saturday"),
    pytest.param(BERLIN_NIGHTS, id="Berlin night shifts"),
    pytest.param(BERLIN_24_7, id="Berlin 24/7"),
    pytest.param(BERLIN_DAILY, id="Berlin every day 09:00-18:00"),
]
# Three windows of ~4.6 days: the spring DST change, the run-up to the National Day holidays
# and the autumn DST change; starts every 2 h 47 min fall at every kind of moment of the day.
GRID_WINDOWS = [
    [first + timedelta(minutes=167 * step) for step in range(40)]
    for first in (utc("2026-03-26 00:00"), utc("2026-09-29 00:00"), utc("2026-10-23 00:00"))
]
GRID_STARTS = [start for window in GRID_WINDOWS for start in window]
GRID_DURATIONS = [
    timedelta(minutes=minutes)
    for minutes in (0, 1, 59, 60, 150, 9 * 60, 23 * 60, 25 * 60, 3 * 24 * 60, 10 * 9 * 60)
]


@pytest.mark.parametrize("calendar", PROPERTY_CALENDARS)
def test_business_time_between_undoes_add_business_time(calendar: BusinessCalendar) -> None:
    for start in GRID_STARTS:
        for duration in GRID_DURATIONS:
            due = add_business_time(start, duration, calendar)
            assert due >= start
            assert business_time_between(start, due, calendar) == duration, (start, duration)


@pytest.mark.parametrize("calendar", PROPERTY_CALENDARS)
def test_adding_the_measured_time_reaches_the_end_or_the_last_closing(
    calendar: BusinessCalendar,
) -> None:
    for start, *ends in GRID_WINDOWS:
        for end in ends:
            measured = business_time_between(start, end, calendar)
            reached = add_business_time(start, measured, calendar)
            assert reached <= end
            assert business_time_between(reached, end, calendar) == timedelta(0), end


# --- clocks --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(
            "2026-03-29 00:30", "2026-03-29 05:30", id="4 h over the spring change read 5 h"
        ),
        pytest.param(
            "2026-10-25 00:30", "2026-10-25 03:30", id="4 h over the autumn change read 3 h"
        ),
    ],
)
def test_calendar_clock_counts_real_hours_across_dst(start: str, expected: str) -> None:
    begins = local(start, BERLIN_DAILY)
    four_hours = timedelta(hours=4)
    due = add_time(ClockKind.CALENDAR, begins, four_hours, BERLIN_DAILY)
    assert due == local(expected, BERLIN_DAILY)
    assert due.tzinfo is UTC
    assert add_time(ClockKind.BUSINESS, begins, four_hours, BERLIN_24_7) == due
    assert time_between(ClockKind.CALENDAR, begins, due, BERLIN_DAILY) == four_hours


def test_business_clock_follows_the_calendar() -> None:
    start = local("2026-03-02 17:30", OFFICE)
    assert add_time(ClockKind.BUSINESS, start, timedelta(hours=2), OFFICE) == local(
        "2026-03-03 10:30", OFFICE
    )
    assert time_between(
        ClockKind.BUSINESS, start, local("2026-03-03 10:30", OFFICE), OFFICE
    ) == timedelta(hours=2)
