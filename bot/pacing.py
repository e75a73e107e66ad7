"""Spacing sends evenly: at most `rate` per second, never a burst.

Telegram's flood control counts messages in a sliding second; a token bucket that lets a burst
through and then a steady trickle can still exceed it. Evenly spaced starts cannot. The rate
may be a number or a function asked at every send (`bot.send_rate.AdaptiveRate`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

# A timer fires a little late (uvloop counts in whole milliseconds): a start that late still
# keeps its place in the schedule, or each send would lose that much and the pace would fall
# 2 % short of the rate. Later than that, the loop was busy: the schedule starts afresh from
# the late start, so the sends that waited meanwhile are not let out together.
TIMER_SLACK_SECONDS = 0.002


class Pacer:
    def __init__(self, rate: float | Callable[[], float]) -> None:
        self._rate = rate
        self._next = 0.0
        self._turns = asyncio.Lock()  # one waiter at a time, first come first served
        self._starts: deque[float] = deque()  # the starts of the last second

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    @property
    def interval(self) -> float:
        rate = self._rate() if callable(self._rate) else self._rate
        return 1.0 / rate

    async def wait(self) -> None:
        """Return when the next send may start.

        Any second holds at most `rate` starts, plus one: consecutive starts are an interval
        apart, less the timer's slack at most, and never closer however late the loop was.
        """
        async with self._turns:
            # Again after sleeping: a `hold` may have moved the next start meanwhile.
            while (wait := self._next - self._now()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)  # the pace itself: a timer, not a synchronisation
            now = self._now()
            self._next = max(now - TIMER_SLACK_SECONDS, self._next) + self.interval
            self._starts.append(now)
            self._forget_starts_before(now - 1.0)

    def started_in_the_last_second(self) -> int:
        """How many starts this pacer let out in the last second."""
        self._forget_starts_before(self._now() - 1.0)
        return len(self._starts)

    def _forget_starts_before(self, moment: float) -> None:
        while self._starts and self._starts[0] <= moment:
            self._starts.popleft()

    def hold(self, seconds: float) -> None:
        """Nothing starts for `seconds` (Telegram asked us to wait: retry_after)."""
        self._next = max(self._next, self._now() + seconds)
