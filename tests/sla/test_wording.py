"""How staff read a span of time in SLA alerts and /sla: to the second under ten minutes, so two
warnings never read alike, and to the minute above."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.i18n import Catalogs
from domain.sla.timers import Timer
from domain.sla.wording import headline, span_text

EN = Catalogs().for_language("en")
S, M, H, D = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("span", "text"),
    [
        pytest.param(timedelta(), "1 s", id="never below one second"),
        pytest.param(-5 * S, "1 s", id="a span gone negative reads one second"),
        pytest.param(0.4 * S, "1 s", id="a fraction of a second reads one second"),
        pytest.param(45 * S, "45 s", id="seconds alone under a minute"),
        pytest.param(59.6 * S, "1 min", id="rounded to the second"),
        pytest.param(M, "1 min", id="a whole minute shows no seconds"),
        pytest.param(M + 30 * S, "1 min 30 s", id="the 50 % warning of a 3-minute target"),
        pytest.param(M + 25.4 * S, "1 min 25 s", id="the same warning, found 4.6 s late"),
        pytest.param(9 * M + 59 * S, "9 min 59 s", id="seconds shown up to ten minutes"),
        pytest.param(9 * M + 59.6 * S, "10 min", id="rounding up to ten minutes"),
        pytest.param(10 * M, "10 min", id="ten minutes and more: to the minute"),
        pytest.param(10 * M + 29 * S, "10 min", id="seconds dropped from ten minutes on"),
        pytest.param(28 * M + 40 * S, "29 min", id="rounded to the nearest minute"),
        pytest.param(H, "1 h", id="a whole hour"),
        pytest.param(2 * H + 5 * M, "2 h 5 min", id="hours and minutes"),
        pytest.param(D, "1 d", id="a whole day"),
        pytest.param(D + 3 * H + 10 * M, "1 d 3 h", id="days and hours, minutes dropped"),
    ],
)
def test_a_span_reads_as_precisely_as_it_matters(span, text):
    assert span_text(EN, span) == text


def test_the_two_first_warnings_of_a_three_minute_target_read_differently():
    due = NOW + 3 * M
    at_half = headline(EN, Timer.FIRST_RESPONSE, due, NOW + 90 * S)
    a_minute_before = headline(EN, Timer.FIRST_RESPONSE, due, NOW + 2 * M)

    assert (at_half, a_minute_before) == (
        "First response due in 1 min 30 s",
        "First response due in 1 min",
    )


def test_a_breach_says_how_late_to_the_second_at_first():
    due = NOW
    assert headline(EN, Timer.RESOLUTION, due, NOW + 7 * S) == "Resolution overdue by 7 s"
    assert headline(EN, Timer.RESOLUTION, due, NOW + 2 * H) == "Resolution overdue by 2 h"
