"""Spacing sends evenly: at most `rate` per second, never a burst.

Telegram's flood control counts messages in a sliding second; a token bucket that lets a burst
through and then a steady trickle can still exceed it. Evenly spaced starts cannot.
"""

from __future__ import annotations

import asyncio


class Pacer:
    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    async def wait(self) -> None:
        """Return when the next send may start."""
        now = self._now()
        start = max(self._next, now)
        self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)

    def hold(self, seconds: float) -> None:
        """Nothing starts for `seconds` (Telegram asked us to wait: retry_after)."""
        self._next = max(self._next, self._now() + seconds)
