"""The send budget in Redis, shared by every Kefu instance with the same KEFU_REDIS_URL (see
`bot.shared_budget`). Imported only when Redis is configured: the client library is heavy."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time

from pydantic import SecretStr
from redis.asyncio import Redis
from redis.exceptions import RedisError
from telegram.constants import FloodLimit

from bot.send_rate import AdaptiveRate
from bot.shared_budget import GROUP_PERIOD, LocalBudgets, RedisUnavailable

logger = logging.getLogger("kefu.send_budget")

WARN_EVERY = 60.0  # seconds between warnings that Redis is away
# (burst, tokens per period). Overall no burst, as this process's own (`LocalBudgets`), but 27
# messages a second rather than 28.5: sends taken evenly by several processes reach Telegram
# less evenly than one process's (each is scheduled on its own), and a tenth of slack keeps
# them from arriving 31 to a second. A group keeps its burst of 20 a minute, which relays leave
# room in (`bot.send_budget.RESERVE`).
OVERALL_CAPACITY, OVERALL_PER_SECOND = 1, FloodLimit.MESSAGES_PER_SECOND * 0.9
# int(): redis-py would send the enum's name, not its value.
GROUP = (int(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP),) * 2

# KEYS: the bucket, the pause. ARGV: capacity (the burst), tokens per period, the period (ms),
# room needed, 1 to take a token.
# Returns 0 when there was room (and a token was taken if asked), else the milliseconds to wait.
LEAKY_BUCKET = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000 + math.floor(tonumber(now_parts[2]) / 1000)
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then
  return pause
end
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local need = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1]) or 0
local at = tonumber(state[2]) or now
level = math.max(0, level - (now - at) * rate / period)
if level + need > capacity then
  redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], period * 2)
  return math.max(1, math.ceil((level + need - capacity) * period / rate))
end
if ARGV[5] == '1' then
  level = level + 1
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], period * 2)
return 0
"""


async def connect(url: SecretStr | None) -> Redis | None:
    """The Redis client for `url` (None when unset), checked with a PING: a deployment
    configured for a shared budget does not start without one."""
    if url is None:
        return None
    redis = Redis.from_url(url.get_secret_value(), socket_timeout=5, socket_connect_timeout=5)
    try:
        await redis.ping()
    except (RedisError, OSError) as error:
        await redis.aclose()
        where = redis.connection_pool.connection_kwargs
        place = where.get("path") or f"{where.get('host')}:{where.get('port')}"
        raise RedisUnavailable(
            f"Redis does not answer at {place} (KEFU_REDIS_URL): {type(error).__name__}"
        ) from None
    return redis


class RedisBudgets:
    """The budgets in Redis, under keys named for the token (a digest, not the token)."""

    limited = True

    def __init__(self, redis: Redis, token: str) -> None:
        self.redis = redis
        digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        self.prefix = f"kefu:budget:{digest}"
        self._script = redis.register_script(LEAKY_BUCKET)
        # This instance's idea of what Telegram allows, slowed by the 429s it meets; the
        # bucket leaks at the rate of whoever draws (`bot.send_rate`).
        self.rate = AdaptiveRate(OVERALL_PER_SECOND)
        self._local = LocalBudgets()  # while Redis is away
        self._warned_at = float("-inf")

    async def take(self, group: int | str | None) -> None:
        while True:
            wait = await self._draw(group, need=1, take=True)
            if wait is None:
                return await self._local.take(group)
            if wait == 0:
                return
            await asyncio.sleep(wait / 1000)  # the bucket's own answer: room in that long

    async def has_room(self, group: int | str, amount: int) -> bool:
        wait = await self._draw(group, need=amount, take=False)
        if wait is None:
            return await self._local.has_room(group, amount)
        return wait == 0

    async def pause(self, seconds: float, *, group: int | str | None = None) -> None:
        self.rate.refused()  # other instances' sends are not counted here: by a tenth
        try:
            await self.redis.set(f"{self.prefix}:pause", "1", px=max(1, int(seconds * 1000)))
        except RedisError:
            self._redis_away()
            await self._local.pause(seconds, group=group)
            return
        await asyncio.sleep(seconds)  # this send retries after Telegram's pause

    async def paused(self) -> None:
        await self._local.paused()  # a pause while Redis was away; Redis's is in the draw

    async def _draw(self, group: int | str | None, *, need: int, take: bool) -> int | None:
        """Milliseconds to wait (0: there was room), or None when Redis cannot be reached."""
        if group is None:
            key, capacity, rate, period = "overall", OVERALL_CAPACITY, self.rate.rate, 1000
        else:
            key, period = f"group:{group}", int(GROUP_PERIOD * 1000)
            capacity, rate = GROUP
        try:
            wait = await self._script(
                keys=[f"{self.prefix}:{key}", f"{self.prefix}:pause"],
                args=[float(capacity), float(rate), period, need, "1" if take else "0"],
            )
        except RedisError:
            self._redis_away()
            return None
        return int(wait)

    def _redis_away(self) -> None:
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            logger.warning(
                "Redis is not reachable: this instance keeps its own send budget meanwhile"
            )
