"""Sends stay evenly spaced (`bot.pacing`, `bot.shared_budget.LocalBudgets`): no second holds
more than Telegram's count, and a 429's pause does not end in a burst of the sends held back.

The assertions are lower bounds on spacing, which a slow or busy machine cannot break: it can
only make the sends later."""

from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest

from bot.pacing import TIMER_SLACK_SECONDS, Pacer
from bot.shared_budget import LocalBudgets


def closest_gap(starts: list[float]) -> float:
    return min(later - earlier for earlier, later in pairwise(starts))


async def test_starts_are_never_closer_than_the_interval_less_the_timer_slack() -> None:
    loop = asyncio.get_running_loop()
    pacer, starts = Pacer(200.0), []

    async def send() -> None:
        await pacer.wait()
        starts.append(loop.time())

    await asyncio.gather(*(send() for _ in range(60)))
    assert closest_gap(starts) >= 1 / 200 - TIMER_SLACK_SECONDS - 1e-6
    assert pacer.started_in_the_last_second() == 60


async def test_a_loop_busy_for_a_while_does_not_release_the_waiting_sends_together() -> None:
    loop = asyncio.get_running_loop()
    pacer, starts = Pacer(100.0), []

    async def send() -> None:
        await pacer.wait()
        starts.append(loop.time())

    await send()
    waiting = [asyncio.create_task(send()) for _ in range(10)]
    blocked_until = loop.time() + 0.1
    while loop.time() < blocked_until:  # the loop busy: the next start comes 0.1 s late
        pass
    await asyncio.gather(*waiting)
    assert closest_gap(starts) >= 1 / 100 - TIMER_SLACK_SECONDS - 1e-6


async def test_after_a_pause_the_held_sends_go_one_interval_apart() -> None:
    loop = asyncio.get_running_loop()
    budgets, starts = LocalBudgets(), []

    async def send() -> None:  # as `bot.send_budget.LaneRateLimiter` takes its turn
        await budgets.take(None)
        await budgets.paused()
        starts.append(loop.time())

    for _ in range(10):
        await send()
    paused_at = loop.time()
    pausing = asyncio.create_task(budgets.pause(0.3))  # Telegram said: retry after
    await asyncio.gather(*(send() for _ in range(3)))
    await pausing
    held = starts[10:]
    assert min(held) >= paused_at + 0.3 - TIMER_SLACK_SECONDS
    # Evenly spaced, not let out together when the pause ends; slower, if anything.
    assert closest_gap(held) >= 1 / budgets.rate.ceiling - TIMER_SLACK_SECONDS


async def test_a_refused_private_send_counts_what_went_out_in_the_last_second() -> None:
    budgets = LocalBudgets()
    for _ in range(20):  # about 0.7 s at the nominal rate
        await budgets.take(None)
    await budgets.pause(0.0)
    # Twenty sends in the last second were too many: the limit is under twenty a second.
    assert budgets.rate.rate == pytest.approx(20 * 0.9, rel=0.01)


async def test_a_refused_group_send_does_not_take_the_group_count_for_the_overall_limit() -> None:
    budgets = LocalBudgets()
    await budgets.take(None)
    await budgets.pause(0.0, group=-1001)  # a group's 20 a minute, perhaps
    assert budgets.rate.rate == pytest.approx(budgets.rate.ceiling * 0.9, rel=0.01)
