"""The send budget in Redis: one budget for every instance of a bot token, and sends that go on
(on the instance's own budget) while Redis is away."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.redis_budget import RedisBudgets

REDIS_URL = "redis://127.0.0.1:6379/0"
GROUP = -1001234500077


@pytest.fixture
async def redis() -> Redis:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (RedisError, OSError):
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    yield client
    await client.aclose()


async def test_instances_of_one_token_share_its_budget_and_its_pauses(redis: Redis) -> None:
    token = "4242:test-budget-shared"
    first, second = RedisBudgets(redis, token), RedisBudgets(redis, token)
    async for key in redis.scan_iter(f"{first.prefix}:*"):
        await redis.delete(key)
    # A group takes 20 a minute: what one instance takes, the other no longer has.
    for _ in range(15):
        await first.take(GROUP)
    assert await second.has_room(GROUP, 5)
    assert not await second.has_room(GROUP, 6)
    # Telegram's retry_after, met by one instance, holds the other too.
    pausing = asyncio.create_task(first.pause(30))
    try:
        while not await redis.exists(f"{first.prefix}:pause"):  # noqa: ASYNC110
            await asyncio.sleep(0)  # the pause is set by the task's first step
        assert not await second.has_room(-1009999, 1)
    finally:
        pausing.cancel()
        await redis.delete(f"{first.prefix}:pause")
    # Another token is another budget.
    assert await RedisBudgets(redis, "4243:other").has_room(GROUP, 20)


async def test_with_redis_away_sends_go_on_and_the_log_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    away = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    budgets = RedisBudgets(away, "4242:test-budget-away")
    try:
        with caplog.at_level(logging.WARNING, logger="kefu.send_budget"):
            for _ in range(3):
                await budgets.take(None)
                await budgets.take(GROUP)
    finally:
        await away.aclose()
    warnings = [r for r in caplog.records if "Redis is not reachable" in r.getMessage()]
    assert len(warnings) == 1
