"""A real Kefu process killed (SIGKILL) in the middle of a campaign, then started again.

Every recipient must get the question, and only the sends in flight at the moment of the kill
(at most the sender's concurrency) may reach someone twice. The sandbox runs in this test's
event loop; Kefu runs as `python -m bot run` against it (KEFU_API_URL), on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.campaigns.sender import DEFAULT_CONCURRENCY
from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from storage import campaigns, customers, migrate
from storage.campaigns import Audience
from storage.db import Database
from storage.survey_models import (
    QUEUED,
    AudienceKind,
    CampaignKind,
    CampaignRecipient,
    DeliveryStatus,
    Repeat,
)
from tests.reliability.process import KefuProcess
from tests.storage.conftest import NOW

pytestmark = pytest.mark.both_databases

ADMIN_ID = 3001
RECIPIENTS = 200
FIRST_ID = 700_000
KILL_AFTER = 60  # successful sends before the kill


async def prepare_campaign(
    client: SandboxClient, url: str, recipients: int = RECIPIENTS, first_id: int = FIRST_ID
) -> list[int]:
    """Customers who accepted the privacy notice, and a campaign due now, to all of them."""
    await migrate.upgrade(url)
    ids = [first_id + n for n in range(recipients)]
    for start in range(0, recipients, 50):
        await asyncio.gather(
            *[client.create_user(i, f"Customer {i}") for i in ids[start : start + 50]]
        )
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            for telegram_id in ids:
                customer = await customers.get_or_create_by_telegram(session, telegram_id, now=NOW)
                await customers.record_consent(session, customer, now=NOW, first_name="C")
            await campaigns.create(
                session,
                kind=CampaignKind.NPS,
                texts={"en": {"question": "Would you recommend us?", "options": []}},
                audience=Audience(AudienceKind.ALL),
                repeat=Repeat.NONE,
                first_run_at=NOW,
                created_by=ADMIN_ID,
                now=NOW,
            )
    finally:
        await db.dispose()
    return ids


async def campaign_sends(client: SandboxClient) -> Counter[int]:
    calls = await client.calls("sendMessage")
    return Counter(int(call["params"]["chat_id"]) for call in calls if call["ok"])


async def _wait_for(
    client: SandboxClient,
    condition: Callable[[], Awaitable[bool]],
    timeout: float,
    kefu: KefuProcess,
) -> None:
    """Re-check `condition` on every sandbox event until it holds."""
    deadline = time.monotonic() + timeout
    seq = (await client.events())["seq"]
    while not await condition():
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"not within {timeout} s; Kefu's log:\n{kefu.tail()}"
        seq = (await client.events(after=seq, timeout=min(remaining, 0.5)))["seq"]


async def _queued(url: str) -> int:
    db = Database(url)
    try:
        async with db.read_only() as session:
            query = select(func.count()).where(CampaignRecipient.status.in_(QUEUED))
            return int(await session.scalar(query) or 0)
    finally:
        await db.dispose()


async def test_a_campaign_killed_mid_send_resumes_and_reaches_everyone_once(
    sandbox: RunningSandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    url = database_url
    ids = await prepare_campaign(client, url)
    # Kefu paces its sends, as deployed: the sandbox's flood limits are on.
    kefu = KefuProcess(
        sandbox.base_url,
        url,
        tmp_path / "kefu.log",
        KEFU_ADMIN_IDS=str(ADMIN_ID),
        KEFU_RATE_LIMIT="true",
    )
    try:
        await kefu.start()

        async def some_sent() -> bool:
            return sum((await campaign_sends(client)).values()) >= KILL_AFTER

        await _wait_for(client, some_sent, 30, kefu)
        await kefu.kill()
        before_restart = sum((await campaign_sends(client)).values())
        assert before_restart < RECIPIENTS, "the campaign finished before the kill"

        await kefu.start()

        async def all_sent() -> bool:
            sends = await campaign_sends(client)
            return all(sends[i] for i in ids) and await _queued(url) == 0

        await _wait_for(client, all_sent, 60, kefu)
        assert await kefu.stop() == 0
    finally:
        await kefu.close()

    sends = await campaign_sends(client)
    duplicates = sum(count - 1 for count in sends.values() if count > 1)
    assert all(sends[i] >= 1 for i in ids)
    assert duplicates <= DEFAULT_CONCURRENCY, f"{duplicates} sent twice"
    db = Database(url)
    try:
        async with db.read_only() as session:
            rows = await session.execute(
                select(CampaignRecipient.status, func.count()).group_by(CampaignRecipient.status)
            )
            assert dict(rows.all()) == {DeliveryStatus.SENT: RECIPIENTS}
    finally:
        await db.dispose()
