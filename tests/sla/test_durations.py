"""SLA target text ("30m", "1h30m", "5d", "5wd") and the compact log format."""

from datetime import timedelta

import pytest

from domain.sla.durations import DurationKind, SlaDuration, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("30m", SlaDuration.minutes(30), id="minutes"),
        pytest.param("2h", SlaDuration.minutes(120), id="hours"),
        pytest.param("1h30m", SlaDuration.minutes(90), id="hours and minutes"),
        pytest.param("1h 30m", SlaDuration.minutes(90), id="hours and minutes with a space"),
        pytest.param(" 2H ", SlaDuration.minutes(120), id="upper case and padding"),
        pytest.param("90m", SlaDuration.minutes(90), id="minutes beyond an hour"),
        pytest.param("5d", SlaDuration.minutes(5 * 24 * 60), id="a day is 24 hours"),
        pytest.param("1d12h", SlaDuration.minutes(36 * 60), id="days and hours"),
        pytest.param("0m", SlaDuration.minutes(0), id="a zero target"),
        pytest.param("5wd", SlaDuration.working_days(5), id="working days"),
        pytest.param("1WD", SlaDuration.working_days(1), id="one working day in capitals"),
    ],
)
def test_parse_duration(text: str, expected: SlaDuration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="nothing"),
        pytest.param("90", id="a number without a unit"),
        pytest.param("1.5h", id="a fraction"),
        pytest.param("-1h", id="a negative time"),
        pytest.param("30m1h", id="units out of order"),
        pytest.param("1h1h", id="a unit twice"),
        pytest.param("2w", id="weeks"),
        pytest.param("1d5wd", id="working days mixed with time"),
        pytest.param("0wd", id="zero working days"),
        pytest.param("two hours", id="words"),
        pytest.param("99999999999999m", id="longer than time itself"),
    ],
)
def test_bad_durations_are_rejected_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError, match=f"SLA target '{text}'"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text", ["30m", "2h", "1h30m", "1d", "2d3h5m", "0m", "5wd", "1d1m"], ids=lambda text: text
)
def test_canonical_text_reads_back_as_the_same_target(text: str) -> None:
    assert str(parse_duration(text)) == text


def test_time_targets_have_a_length_and_working_days_do_not() -> None:
    assert parse_duration("1h30m").as_timedelta() == timedelta(minutes=90)
    assert parse_duration("5wd").kind is DurationKind.WORKING_DAYS
    with pytest.raises(ValueError, match="working days"):
        parse_duration("5wd").as_timedelta()


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        pytest.param(timedelta(hours=1, minutes=5), "1h 05m", id="hours pad their minutes"),
        pytest.param(timedelta(days=2, hours=3, minutes=59), "2d 3h", id="days show hours"),
        pytest.param(timedelta(days=2), "2d 0h", id="whole days still show hours"),
        pytest.param(timedelta(hours=1), "1h 00m", id="whole hours still show minutes"),
        pytest.param(timedelta(minutes=45, seconds=59), "45m", id="seconds are truncated"),
        pytest.param(timedelta(seconds=30), "30s", id="under a minute shows seconds"),
        pytest.param(timedelta(0), "0m", id="zero"),
        pytest.param(-timedelta(hours=1, minutes=5), "-1h 05m", id="overdue is negative"),
    ],
)
def test_format_duration(duration: timedelta, expected: str) -> None:
    assert format_duration(duration) == expected
