"""SLA timers: deadlines, pauses while waiting for the customer, and warning instants."""

from datetime import UTC, timedelta

import pytest

from domain.sla.calendar import (
    BusinessCalendar,
    ClockKind,
    add_business_time,
    business_time_between,
)
from domain.sla.deadlines import WarningTime, due_at, resume_due_at, warning_times
from domain.sla.durations import parse_duration
from tests.sla.calendars import BERLIN_DAILY, CHINA_OFFICE, OFFICE, local

BUSINESS, CALENDAR = ClockKind.BUSINESS, ClockKind.CALENDAR


@pytest.mark.parametrize(
    ("calendar", "clock", "start", "target", "expected"),
    [
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 17:30",
            "2h",
            "2026-03-03 10:30",
            id="a 2h business target at 17:30 is due 10:30 the next morning",
        ),
        pytest.param(
            OFFICE,
            CALENDAR,
            "2026-03-02 17:30",
            "4h",
            "2026-03-02 21:30",
            id="a 4h calendar target runs on after closing",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 09:00",
            "1d",
            "2026-03-04 15:00",
            id="a 1d business target is 24 working hours",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 10:00",
            "5wd",
            "2026-03-09 18:00",
            id="a 5wd target is due at the close of the fifth working day after arrival",
        ),
        pytest.param(
            OFFICE,
            CALENDAR,
            "2026-03-06 20:00",
            "1wd",
            "2026-03-09 18:00",
            id="a working-days target counts working days even on a calendar clock",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-07 12:00",
            "0m",
            "2026-03-07 12:00",
            id="a zero target is due at once, even on a Saturday",
        ),
        pytest.param(
            BERLIN_DAILY,
            CALENDAR,
            "2026-03-28 12:00",
            "1d",
            "2026-03-29 13:00",
            id="a calendar-clock day is 24 real hours across the spring change",
        ),
        pytest.param(
            CHINA_OFFICE,
            BUSINESS,
            "2026-09-30 17:00",
            "2h",
            "2026-10-08 10:00",
            id="a business target waits out the National Day holidays",
        ),
    ],
)
def test_due_at(
    calendar: BusinessCalendar, clock: ClockKind, start: str, target: str, expected: str
) -> None:
    due = due_at(local(start, calendar), parse_duration(target), clock, calendar)
    assert due == local(expected, calendar)
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    ("calendar", "clock", "due", "paused", "resumed", "expected"),
    [
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-03 10:30",
            "2026-03-02 17:00",
            "2026-03-03 10:00",
            "2026-03-03 12:30",
            id="a pause in working hours moves the deadline by the working time it lasted",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-03 10:30",
            "2026-03-02 19:00",
            "2026-03-03 08:00",
            "2026-03-03 10:30",
            id="a pause outside working hours leaves a business deadline where it was",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-09 11:00",
            "2026-03-06 18:30",
            "2026-03-09 08:55",
            "2026-03-09 11:00",
            id="a pause over the weekend costs nothing",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 17:00",
            "2026-03-02 16:00",
            "2026-03-02 20:00",
            "2026-03-03 10:00",
            id="resuming after hours counts the hour left from the next opening",
        ),
        pytest.param(
            CHINA_OFFICE,
            BUSINESS,
            "2026-10-08 10:00",
            "2026-09-30 18:00",
            "2026-10-08 08:00",
            "2026-10-08 10:00",
            id="a pause across the National Day holidays costs nothing",
        ),
        pytest.param(
            OFFICE,
            CALENDAR,
            "2026-03-02 21:30",
            "2026-03-02 19:00",
            "2026-03-02 20:00",
            "2026-03-02 22:30",
            id="a calendar clock moves the deadline by the real length of the pause",
        ),
        pytest.param(
            OFFICE,
            CALENDAR,
            "2026-03-02 21:30",
            "2026-03-02 19:00",
            "2026-03-03 08:00",
            "2026-03-03 10:30",
            id="a calendar clock counts the night too",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 12:00",
            "2026-03-02 13:00",
            "2026-03-03 09:00",
            "2026-03-02 12:00",
            id="a timer paused after its deadline stays breached",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 12:00",
            "2026-03-02 12:00",
            "2026-03-03 09:00",
            "2026-03-02 12:00",
            id="a timer paused exactly at its deadline stays breached",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-03 10:30",
            "2026-03-02 10:00",
            "2026-03-02 10:00",
            "2026-03-03 10:30",
            id="a pause that lasts no time changes nothing",
        ),
    ],
)
def test_resume_due_at(
    calendar: BusinessCalendar,
    clock: ClockKind,
    due: str,
    paused: str,
    resumed: str,
    expected: str,
) -> None:
    new_due = resume_due_at(
        local(paused, calendar), local(resumed, calendar), local(due, calendar), clock, calendar
    )
    assert new_due == local(expected, calendar)


def test_resuming_before_pausing_is_rejected() -> None:
    with pytest.raises(ValueError, match="before it was paused"):
        resume_due_at(
            local("2026-03-02 12:00", OFFICE),
            local("2026-03-02 11:00", OFFICE),
            local("2026-03-03 12:00", OFFICE),
            BUSINESS,
            OFFICE,
        )


def test_a_resumed_deadline_is_the_target_plus_the_paused_working_time() -> None:
    start, target = local("2026-09-29 10:15", CHINA_OFFICE), timedelta(hours=20)
    due = add_business_time(start, target, CHINA_OFFICE)
    for pause_hours in range(0, 20 * 24, 7):
        paused = start + timedelta(hours=pause_hours)
        if paused >= due:
            break
        for pause_length in (timedelta(minutes=20), timedelta(hours=5), timedelta(days=3)):
            resumed = paused + pause_length
            paused_work = business_time_between(paused, resumed, CHINA_OFFICE)
            expected = add_business_time(start, target + paused_work, CHINA_OFFICE)
            assert resume_due_at(paused, resumed, due, BUSINESS, CHINA_OFFICE) == expected


def warnings_in(calendar: BusinessCalendar, *expected: tuple[str, str]) -> list[WarningTime]:
    return [WarningTime(level, local(at, calendar)) for level, at in expected]


@pytest.mark.parametrize(
    ("calendar", "clock", "start", "due", "percents", "leads", "expected"),
    [
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 09:00",
            "2026-03-02 17:00",
            [75],
            [timedelta(minutes=30), timedelta(hours=1)],
            warnings_in(
                OFFICE,
                ("warn75", "2026-03-02 15:00"),
                ("warn-1h", "2026-03-02 16:00"),
                ("warn-30m", "2026-03-02 16:30"),
            ),
            id="75 percent and 1 h and 30 min before an 8-hour deadline, in time order",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 17:00",
            "2026-03-03 11:00",
            [50],
            [],
            warnings_in(OFFICE, ("warn50", "2026-03-03 09:30")),
            id="half of a business span skips the night",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 17:00",
            "2026-03-03 10:00",
            [50],
            [],
            warnings_in(OFFICE, ("warn50", "2026-03-02 18:00")),
            id="a warning reached exactly at closing fires at the closing",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-06 16:00",
            "2026-03-09 09:30",
            [],
            [timedelta(minutes=30), timedelta(hours=1)],
            warnings_in(OFFICE, ("warn-1h", "2026-03-06 17:30"), ("warn-30m", "2026-03-06 18:00")),
            id="lead times count working time back over the weekend",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 09:00",
            "2026-03-02 09:20",
            [50],
            [timedelta(minutes=30)],
            warnings_in(OFFICE, ("warn50", "2026-03-02 09:10")),
            id="a lead longer than the whole span is dropped",
        ),
        pytest.param(
            OFFICE,
            CALENDAR,
            "2026-03-02 17:00",
            "2026-03-02 21:00",
            [50],
            [timedelta(hours=1)],
            warnings_in(OFFICE, ("warn50", "2026-03-02 19:00"), ("warn-1h", "2026-03-02 20:00")),
            id="a calendar clock measures real time after closing",
        ),
        pytest.param(
            BERLIN_DAILY,
            CALENDAR,
            "2026-03-29 00:30",
            "2026-03-29 05:30",
            [50],
            [],
            warnings_in(BERLIN_DAILY, ("warn50", "2026-03-29 03:30")),
            id="half of 4 real hours across the spring change reads 03:30",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 09:00",
            "2026-03-02 11:00",
            [50, 50],
            [timedelta(hours=1)],
            warnings_in(OFFICE, ("warn-1h", "2026-03-02 10:00"), ("warn50", "2026-03-02 10:00")),
            id="a repeated level is listed once and equal instants sort by level",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 09:00",
            "2026-03-02 09:00",
            [50],
            [timedelta(minutes=30)],
            [],
            id="a deadline due at once has no warnings",
        ),
        pytest.param(
            OFFICE,
            BUSINESS,
            "2026-03-02 09:00",
            "2026-03-05 15:00",
            [],
            [timedelta(minutes=90), timedelta(days=1)],
            warnings_in(
                OFFICE, ("warn-1d", "2026-03-02 18:00"), ("warn-1h30m", "2026-03-05 13:30")
            ),
            id="lead keys use compact duration text and a 1d lead is 24 working hours",
        ),
    ],
)
def test_warning_times(
    calendar: BusinessCalendar,
    clock: ClockKind,
    start: str,
    due: str,
    percents: list[int],
    leads: list[timedelta],
    expected: list[WarningTime],
) -> None:
    warnings = warning_times(
        local(start, calendar), local(due, calendar), clock, calendar, percents, leads
    )
    assert warnings == expected


@pytest.mark.parametrize(
    ("percents", "leads", "message"),
    [
        pytest.param([0], [], "1..99", id="zero percent"),
        pytest.param([100], [], "1..99", id="a hundred percent"),
        pytest.param([7.5], [], "1..99", id="a fractional percent"),
        pytest.param([True], [], "1..99", id="a boolean percent"),
        pytest.param([], [timedelta(0)], "whole minutes", id="a zero lead"),
        pytest.param([], [timedelta(minutes=-5)], "whole minutes", id="a negative lead"),
        pytest.param([], [timedelta(seconds=90)], "whole minutes", id="a lead with seconds"),
    ],
)
def test_bad_warning_levels_are_rejected(
    percents: list, leads: list[timedelta], message: str
) -> None:
    start, due = local("2026-03-02 09:00", OFFICE), local("2026-03-02 17:00", OFFICE)
    with pytest.raises(ValueError, match=message):
        warning_times(start, due, BUSINESS, OFFICE, percents, leads)


def test_warning_instants_are_utc() -> None:
    start, due = local("2026-03-02 09:00", OFFICE), local("2026-03-02 17:00", OFFICE)
    [(_, at)] = warning_times(start, due, BUSINESS, OFFICE, [50], [])
    assert at.tzinfo is UTC
