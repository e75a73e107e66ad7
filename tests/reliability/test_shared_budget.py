"""One send budget for the bot token: two instances running a campaign together, against the
sandbox's Telegram-like flood control (30 messages a second per bot), draw from one bucket in
Redis and are never answered 429. (Each instance's sender paces itself at 25 a second, so two
drawing from budgets of their own would ask for 50.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import redis.asyncio as redis

from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from tests.reliability.instances import Deployment
from tests.reliability.test_campaign_kill import campaign_sends, prepare_campaign

pytestmark = [
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
    pytest.mark.timeout(120),
]

REDIS_URL = "redis://127.0.0.1:6379/0"
RECIPIENTS = 300


@pytest.fixture
async def redis_url() -> str:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (redis.RedisError, OSError):
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    try:
        # Every test bot has the same token, so the same budget: start from a full one.
        async for key in client.scan_iter("kefu:budget:*"):
            await client.delete(key)
    finally:
        await client.aclose()
    return REDIS_URL


async def test_two_instances_share_one_budget_and_get_no_429(
    sandbox: RunningSandbox,
    client: SandboxClient,
    database_url: str,
    tmp_path: Path,
    redis_url: str,
) -> None:
    await client.set_limits(enabled=True, per_second=30)
    recipients = await prepare_campaign(client, database_url, RECIPIENTS)
    deployment = Deployment(
        sandbox, database_url, tmp_path, 2, KEFU_RATE_LIMIT="true", KEFU_REDIS_URL=redis_url
    )
    async with deployment.running():
        # Asked of the database, not the sandbox: listing its calls again and again would
        # stall it (it runs in this test's event loop), and a stalled sandbox takes the sends
        # queued meanwhile all at once, more to a second than were sent.
        async def all_sent() -> bool:
            sent = "SELECT count(*) FROM campaign_recipients WHERE status = 'sent'"
            return await deployment.first.scalar(sent) == RECIPIENTS

        await deployment.first.until(all_sent, 60, "the campaign reaches everyone")
        # Both instances sent (each counts its own sends).
        for index in (0, 1):
            sent = await deployment.counter(index, "kefu_campaign_sends_total", outcome="sent")
            assert sent > RECIPIENTS / 10, f"instance {index} sent {sent}"
        for kefu in deployment.instances:
            assert await kefu.stop() == 0, deployment.tails()

    calls = await client.calls("sendMessage")
    refused = [call for call in calls if call.get("error_code") == 429]
    first = calls[0]["time"] if calls else 0
    assert refused == [], [
        (round(c["time"] - first, 3), c["params"]["chat_id"], c.get("description"))
        for c in refused
    ]
    sends = await campaign_sends(client)
    assert Counter(sends[i] for i in recipients) == Counter({1: RECIPIENTS})
