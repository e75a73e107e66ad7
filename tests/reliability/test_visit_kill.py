"""A real Kefu process killed (SIGKILL) in the middle of a batch of follow-up visits, then
started again.

Two hundred repairs were resolved eight days ago, so at start-up `care:visits` queues one visit
each in the campaign outbox and the sender goes through them, paced, as deployed. Every
customer must get their visit, and only the sends in flight at the moment of the kill (at most
the sender's concurrency) may reach someone twice; the scan run again at the second start must
not queue anything twice. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.campaigns.sender import DEFAULT_CONCURRENCY
from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from storage import customers, migrate, tickets
from storage.db import Database
from storage.enums import TicketStatus, TicketType
from storage.events import Actor
from storage.survey_models import QUEUED, CampaignRecipient, DeliveryStatus
from tests.reliability.process import KefuProcess

pytestmark = pytest.mark.both_databases

RECIPIENTS = 200
FIRST_ID = 710_000
KILL_AFTER = 60  # visits sent before the kill
RESOLVED_DAYS_AGO = 8  # repairs are visited after 7


async def _prepare(client: SandboxClient, url: str) -> list[int]:
    """Customers who accepted the privacy notice, each with a repair resolved days ago."""
    await migrate.upgrade(url)
    ids = [FIRST_ID + n for n in range(RECIPIENTS)]
    for start in range(0, RECIPIENTS, 50):
        await asyncio.gather(
            *[client.create_user(i, f"Customer {i}") for i in ids[start : start + 50]]
        )
    resolved_at = datetime.now(UTC) - timedelta(days=RESOLVED_DAYS_AGO)
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            for telegram_id in ids:
                customer = await customers.get_or_create_by_telegram(
                    session, telegram_id, now=resolved_at
                )
                await customers.record_consent(session, customer, now=resolved_at, first_name="C")
                ticket = await tickets.create(
                    session, customer, TicketType.REPAIR, now=resolved_at - timedelta(hours=3)
                )
                await tickets.set_status(
                    session,
                    ticket,
                    TicketStatus.RESOLVED,
                    actor=Actor.staff(2001, "Li Wei"),
                    now=resolved_at,
                )
    finally:
        await db.dispose()
    return ids


async def _visits_sent(client: SandboxClient) -> Counter[int]:
    calls = await client.calls("sendMessage")
    return Counter(
        int(call["params"]["chat_id"])
        for call in calls
        if call["ok"] and "since we resolved ticket" in call["params"].get("text", "")
    )


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


async def _rows(url: str) -> tuple[int, dict[DeliveryStatus, int], int]:
    """Visit rows still queued, rows per status, and distinct tickets among them."""
    db = Database(url)
    try:
        async with db.read_only() as session:
            queued = await session.scalar(
                select(func.count()).where(CampaignRecipient.status.in_(QUEUED))
            )
            statuses = await session.execute(
                select(CampaignRecipient.status, func.count()).group_by(CampaignRecipient.status)
            )
            distinct = await session.scalar(
                select(func.count(func.distinct(CampaignRecipient.ticket_id)))
            )
            return int(queued or 0), dict(statuses.all()), int(distinct or 0)
    finally:
        await db.dispose()


async def test_a_visit_batch_killed_mid_send_resumes_and_reaches_everyone_once(
    sandbox: RunningSandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    url = database_url
    ids = await _prepare(client, url)
    kefu = KefuProcess(sandbox.base_url, url, tmp_path / "kefu.log", KEFU_RATE_LIMIT="true")
    try:
        await kefu.start()

        async def some_sent() -> bool:
            return sum((await _visits_sent(client)).values()) >= KILL_AFTER

        await _wait_for(client, some_sent, 30, kefu)
        await kefu.kill()
        before_restart = sum((await _visits_sent(client)).values())
        assert before_restart < RECIPIENTS, "the visits were all sent before the kill"

        await kefu.start()

        async def all_sent() -> bool:
            sends = await _visits_sent(client)
            return all(sends[i] for i in ids) and (await _rows(url))[0] == 0

        await _wait_for(client, all_sent, 60, kefu)
        assert await kefu.stop() == 0
    finally:
        await kefu.close()

    sends = await _visits_sent(client)
    duplicates = sum(count - 1 for count in sends.values() if count > 1)
    assert all(sends[i] >= 1 for i in ids)
    assert duplicates <= DEFAULT_CONCURRENCY, f"{duplicates} sent twice"
    queued, statuses, distinct = await _rows(url)
    assert (queued, statuses, distinct) == (0, {DeliveryStatus.SENT: RECIPIENTS}, RECIPIENTS)
