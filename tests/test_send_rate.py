"""The overall send rate follows what Telegram allows (`bot.send_rate`): down at a 429, quickly
back to just under the rate that was refused, past it only slowly, never above the nominal
limit; sends refused together count once."""

from __future__ import annotations

import pytest

from bot.send_rate import AdaptiveRate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_without_refusals_the_rate_stays_at_its_ceiling(clock: Clock) -> None:
    rate = AdaptiveRate(28.5, clock)
    clock.now += 3600
    assert rate.rate == 28.5


def test_a_refusal_slows_down_and_the_rate_comes_back_near_it_then_probes(clock: Clock) -> None:
    rate = AdaptiveRate(28.5, clock)
    rate.refused()
    assert rate.rate == pytest.approx(28.5 * 0.9)
    clock.now += 1
    assert 28.5 * 0.9 < rate.rate <= 28.5 * 0.95  # quickly back to just under the mark
    clock.now += 9
    assert 28.5 * 0.95 <= rate.rate < 28.5 * 0.96  # then slowly past it
    clock.now += 3600
    assert rate.rate == 28.5  # a limit may be lifted: never above the nominal one


def test_under_a_stricter_limit_it_settles_just_under_it(clock: Clock) -> None:
    # Telegram refuses whenever the rate reaches 20 a second: an evenly spaced sender then
    # meets a 429 each time it climbs there, and each refusal pauses sending for a second.
    rate, sent, refused_at = AdaptiveRate(28.5, clock), 0.0, []
    for second in range(600):  # ten minutes
        if rate.rate >= 20:
            rate.refused()
            refused_at.append(second)
            clock.now += 1  # the pause: nothing goes out
            continue
        sent += rate.rate
        clock.now += 1
    assert sent / 600 >= 18.5
    # Found within the first seconds, then met again about once a minute.
    assert len([second for second in refused_at if second >= 60]) <= 10


def test_the_sends_refused_together_slow_it_down_once(clock: Clock) -> None:
    rate = AdaptiveRate(28.5, clock)
    for _ in range(4):  # the sends in flight come back refused at once
        rate.refused()
        clock.now += 0.05
    assert rate.rate == pytest.approx(28.5 * 0.9, rel=0.01)


def test_it_never_goes_below_one_a_second(clock: Clock) -> None:
    rate = AdaptiveRate(28.5, clock)
    for _ in range(100):
        rate.refused()
        clock.now += 1.5
    assert rate.rate >= 1.0


def test_a_count_of_the_last_seconds_sends_finds_a_low_limit_at_once(clock: Clock) -> None:
    # Held to 20 a second: the first refusal comes after about 21 sends in the last second.
    rate = AdaptiveRate(28.5, clock)
    rate.refused(sent_in_the_last_second=21)
    assert rate.rate == pytest.approx(21 * 0.9)
    clock.now += 5
    assert rate.rate < 21  # back under the measured mark, not on the way to 28.5


def test_a_count_above_the_rate_says_nothing_more(clock: Clock) -> None:
    rate = AdaptiveRate(28.5, clock)
    rate.refused(sent_in_the_last_second=30)  # in-flight sends counted: the rate was the mark
    assert rate.rate == pytest.approx(28.5 * 0.9)


def test_a_count_far_under_the_rate_is_no_measure_of_the_limit(clock: Clock) -> None:
    # Two sends in a second refused: one chat's own limit, or a hiccup, not the overall one.
    rate = AdaptiveRate(28.5, clock)
    rate.refused(sent_in_the_last_second=2)
    assert rate.rate == pytest.approx(28.5 * 0.9)
