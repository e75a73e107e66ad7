"""Spacing sends evenly: at most `rate` per second, never a burst.

Telegram's flood control counts messages in a sliding second; a token bucket that lets a burst
through and then a steady trickle can still exceed it. Evenly spaced starts cannot. The rate
may be a number or a function asked at every send (`bot.send_rate.AdaptiveRate`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Pacer:
    def __init__(self, rate: float | Callable[[], float]) -> None:
        self._rate = rate
        self._next = 0.0
        self._turns = asyncio.Lock()  # one waiter at a time, first come first served

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    @property
    def interval(self) -> float:
        rate = self._rate() if callable(self._rate) else self._rate
        return 1.0 / rate

    async def wait(self) -> None:
        """Return when the next send may start.

        The next start is set from when this one really starts, not from when it was due: a
        loop busy for a moment then lets the sends waiting meanwhile go one by one, instead of
        all at once as slots reserved in advance would (a burst Telegram counts in one second).
        """
        async with self._turns:
            wait = self._next - self._now()
            if wait > 0:
                await asyncio.sleep(wait)  # the pace itself: a timer, not a synchronisation
            self._next = self._now() + self.interval

    def hold(self, seconds: float) -> None:
        """Nothing starts for `seconds` (Telegram asked us to wait: retry_after)."""
        self._next = max(self._next, self._now() + seconds)
