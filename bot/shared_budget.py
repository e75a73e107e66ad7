"""The bot token's send budget, in this process or shared by every instance through Redis.

Telegram's limits belong to the token: about 30 messages a second overall and 20 a minute per
group, whichever process sends. `LocalBudgets` keeps them in this process (aiolimiter's leaky
buckets), enough for one instance. `RedisBudgets` (`bot.redis_budget`) keeps them in Redis, so
every instance with the same KEFU_REDIS_URL draws from one budget: each draw is one atomic Lua
script, which takes a token if the bucket has room and otherwise says how long to wait. A 429's
`retry_after` pauses every instance too (a key that expires when the pause ends).

The buckets' clock is Redis's own (`TIME`), so instances whose clocks differ agree. When Redis
cannot be reached, a draw falls back to this process's budget and says so in the log (once a
minute): sends go on, at the risk of exceeding the shared limit until Redis is back.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit

from bot.pacing import Pacer
from bot.send_rate import AdaptiveRate

GROUP_PERIOD = 60.0
# 95.5 % of Telegram's 30 a second (28.65): a send's trip to Telegram takes a varying time, and
# that slack keeps sends taken evenly from arriving 31 to a second (measured: 30 at most,
# docs/benchmarks.md).
OVERALL_PER_SECOND = FloodLimit.MESSAGES_PER_SECOND * 0.955


class RedisUnavailable(Exception):
    """KEFU_REDIS_URL is set, and Redis does not answer there."""


class Budgets(Protocol):
    """Where the limiter draws tokens: `group` is a group's chat id, None for the overall
    budget of messages to chats."""

    limited: bool

    async def take(self, group: int | str | None) -> None: ...

    async def has_room(self, group: int | str, amount: int) -> bool: ...

    async def pause(self, seconds: float, *, group: int | str | None = None) -> None:
        """Telegram refused a send (429) to `group` (None: a private chat): every send waits
        `seconds` (its retry_after) from now, and the overall rate slows down
        (`bot.send_rate`)."""

    async def paused(self) -> None:
        """Returns when no pause holds the sends back."""


class LocalBudgets:
    def __init__(self, *, limits: bool = True) -> None:
        self.limited = limits
        # No burst: evenly spaced, so no second holds more than 30 however Telegram counts its
        # seconds (a burst of 30, and 30 more leaking in meanwhile, would make 60). The rate
        # is what Telegram is found to allow, at most that (`bot.send_rate`).
        self.rate = AdaptiveRate(OVERALL_PER_SECOND)
        self._overall = Pacer(lambda: self.rate.rate)
        self._groups: dict[int | str, AsyncLimiter] = {}
        self._unpaused = asyncio.Event()
        self._unpaused.set()
        self._pauses = 0

    async def take(self, group: int | str | None) -> None:
        if not self.limited:
            return
        if group is not None:
            await self._group(group).acquire()
            return
        while True:
            await self._unpaused.wait()
            await self._overall.wait()  # held for a pause's length (`pause`)
            # A start let out just as a pause began waits it out and queues again: the sends
            # held meanwhile then go evenly spaced, not together the moment it ends (Telegram
            # would count them in one second and refuse again).
            if self._unpaused.is_set():
                return

    async def has_room(self, group: int | str, amount: int) -> bool:
        return not self.limited or self._group(group).has_capacity(amount)

    async def pause(self, seconds: float, *, group: int | str | None = None) -> None:
        # A private chat's refusal is the overall limit's, which the starts of the last second
        # measure; a group's may be its own limit of 20 a minute, which says nothing of it.
        self.rate.refused(self._overall.started_in_the_last_second() if group is None else None)
        self._overall.hold(seconds)
        self._pauses += 1
        self._unpaused.clear()
        try:
            await asyncio.sleep(seconds)  # Telegram's own pause: a timer
        finally:
            self._pauses -= 1
            if not self._pauses:
                self._unpaused.set()

    async def paused(self) -> None:
        await self._unpaused.wait()

    def _group(self, group: int | str) -> AsyncLimiter:
        budget = self._groups.get(group)
        if budget is None:
            rate = FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP
            budget = self._groups[group] = AsyncLimiter(rate, GROUP_PERIOD)
        return budget
