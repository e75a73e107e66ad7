"""Follow-up visits in the campaign outbox, on SQLite and PostgreSQL: queued once per ticket when
due, skipped at once for customers who may not be asked, kept apart from admins' campaigns."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage import campaigns, customers, tickets, visits
from storage.db import Database
from storage.enums import TicketStatus, TicketType
from storage.events import Actor
from storage.survey_models import Campaign, CampaignRecipient, CampaignStatus, DeliveryStatus
from tests.storage.conftest import NOW

DAYS = {TicketType.REPAIR: 7, TicketType.COMPLAINT: 3}


async def _customer(db: Database, telegram_id: int, *, consent: bool = True) -> int:
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(session, telegram_id, now=NOW)
        if consent:
            await customers.record_consent(session, customer, now=NOW, first_name="C")
        return customer.id


async def _resolved(db: Database, customer_id: int, kind: TicketType, when=NOW) -> int:
    async with db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        ticket = await tickets.create(session, customer, kind, now=when - timedelta(hours=1))
        await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=Actor.system(), now=when
        )
        return ticket.id


async def _queue(db: Database, now, limit: int = 50) -> int:
    async with db.unit_of_work() as session:
        return await visits.queue_due(session, now=now, days=DAYS, limit=limit)


async def _rows(db: Database) -> dict[int, DeliveryStatus]:
    async with db.read_only() as session:
        rows = await session.execute(select(CampaignRecipient.ticket_id, CampaignRecipient.status))
        return {ticket_id: status for ticket_id, status in rows}


async def test_visits_are_queued_once_per_ticket_when_their_type_comes_due(db):
    alice = await _customer(db, 1001)
    repair = await _resolved(db, alice, TicketType.REPAIR)
    complaint = await _resolved(db, alice, TicketType.COMPLAINT)
    await _resolved(db, alice, TicketType.CONSULTATION)  # no visit configured

    assert await _queue(db, NOW + timedelta(days=2)) == 0
    async with db.read_only() as session:  # nothing due yet: no campaign made either
        assert await session.scalar(select(Campaign.id)) is None
    assert await _queue(db, NOW + timedelta(days=3)) == 1
    assert await _queue(db, NOW + timedelta(days=7)) == 1
    assert await _queue(db, NOW + timedelta(days=8)) == 0

    # One customer, two visits in the standing campaign's one run.
    assert await _rows(db) == {complaint: DeliveryStatus.PENDING, repair: DeliveryStatus.PENDING}


async def test_customers_who_may_not_be_asked_get_a_skipped_row_at_once(db):
    never = await _customer(db, 1002, consent=False)
    opted_out = await _customer(db, 1003)
    async with db.unit_of_work() as session:
        customer = await customers.get(session, opted_out)
        assert customer is not None
        await customers.set_campaigns_opt_out(session, customer, True, now=NOW)
    first = await _resolved(db, never, TicketType.REPAIR)
    second = await _resolved(db, opted_out, TicketType.REPAIR)

    assert await _queue(db, NOW + timedelta(days=7)) == 2
    assert await _rows(db) == {first: DeliveryStatus.SKIPPED, second: DeliveryStatus.SKIPPED}


async def test_a_reopened_ticket_is_visited_only_after_its_next_resolution(db):
    alice = await _customer(db, 1001)
    ticket_id = await _resolved(db, alice, TicketType.REPAIR)
    async with db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        assert ticket is not None
        later = NOW + timedelta(days=5)
        await tickets.set_status(
            session, ticket, TicketStatus.OPEN, actor=Actor.system(), now=later
        )
        await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=Actor.system(), now=later
        )

    assert await _queue(db, NOW + timedelta(days=8)) == 0
    assert await _queue(db, NOW + timedelta(days=12)) == 1


async def test_visits_long_overdue_are_not_queued_any_more(db):
    alice = await _customer(db, 1001)
    await _resolved(db, alice, TicketType.REPAIR)

    assert await _queue(db, NOW + timedelta(days=7) + visits.LOOKBACK + timedelta(days=1)) == 0


async def test_scans_in_batches_and_in_parallel_queue_each_visit_once(db):
    customer_ids = [await _customer(db, 2000 + n) for n in range(12)]
    for customer_id in customer_ids:
        await _resolved(db, customer_id, TicketType.REPAIR)
    due = NOW + timedelta(days=7)

    assert await _queue(db, due, limit=5) == 5
    # Three instances at once: on PostgreSQL they may pick the same tickets, and all but one
    # insert nothing for them; what is left is queued by the next scans.
    written = sum(await asyncio.gather(*(_queue(db, due, limit=5) for _ in range(3))))
    while more := await _queue(db, due, limit=5):
        written += more

    assert written == 7
    assert len(await _rows(db)) == 12
    async with db.read_only() as session:
        assert len(list(await session.scalars(select(Campaign.id)))) == 1


async def test_the_standing_campaign_is_hidden_from_admins_and_never_finishes(db):
    alice = await _customer(db, 1001)
    await _resolved(db, alice, TicketType.REPAIR)
    await _queue(db, NOW + timedelta(days=7))
    async with db.unit_of_work() as session:
        standing = await visits.followup_campaign(session, now=NOW)
        campaign = await campaigns.get(session, standing.campaign_id, for_update=True)
        assert campaign is not None
        assert await campaigns.recent(session) == []
        assert await campaigns.finish_idle_runs(session, now=NOW) == []
        for control in (campaigns.pause, campaigns.cancel, campaigns.start_now):
            assert await control(session, campaign, now=NOW) is False
        assert campaign.status == CampaignStatus.RUNNING


async def test_a_survey_campaign_still_reaches_a_customer_once_per_run(db):
    alice = await _customer(db, 1001)
    async with db.unit_of_work() as session:
        standing = await visits.followup_campaign(session, now=NOW)
    row = {
        "run_id": standing.run_id,
        "campaign_id": standing.campaign_id,
        "customer_id": alice,
        "status": DeliveryStatus.PENDING,
        "next_attempt_at": NOW,
    }
    async with db.unit_of_work() as session:
        session.add(CampaignRecipient(**row))
    with pytest.raises(IntegrityError):
        async with db.unit_of_work() as session:
            session.add(CampaignRecipient(**row))
