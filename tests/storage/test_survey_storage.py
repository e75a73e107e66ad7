"""Surveys and the campaign outbox, on SQLite and PostgreSQL."""

import asyncio
from datetime import timedelta

import pytest

from storage import campaigns, customers, erasure, events, outbox, surveys, tickets
from storage.db import Database
from storage.enums import EventKind, Language, TicketStatus, TicketType
from storage.events import Actor
from storage.survey_models import (
    AudienceKind,
    CampaignKind,
    CampaignStatus,
    DeliveryStatus,
    Repeat,
)
from tests.storage.conftest import NOW

DELAY, EXPIRY, LEASE = timedelta(minutes=10), timedelta(hours=72), timedelta(seconds=30)


async def _customer(db: Database, telegram_id: int, *, consent: bool = True, **language):
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(
            session, telegram_id, now=NOW, language=language.get("language", Language.EN)
        )
        if consent:
            await customers.record_consent(session, customer, now=NOW, first_name="C")
    return customer


async def _resolved_ticket(db: Database, customer_id: int, resolved_at, product=None) -> int:
    async with db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        ticket = await tickets.create(
            session, customer, TicketType.REPAIR, now=resolved_at, product_id=product
        )
        await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=Actor.system(), now=resolved_at
        )
        return ticket.id


async def _claim_surveys(db: Database, now, lease=LEASE) -> list[int]:
    async with db.unit_of_work() as session:
        return await surveys.claim_due(
            session, now=now, delay=DELAY, expiry=EXPIRY, lease=lease, limit=50
        )


# --- ticket surveys -----------------------------------------------------------------------------


async def test_a_resolved_ticket_gets_one_survey_after_the_delay(db, alice):
    await _resolved_ticket(db, alice.id, NOW)

    assert await _claim_surveys(db, NOW + timedelta(minutes=9)) == []
    claimed = await _claim_surveys(db, NOW + timedelta(minutes=11))
    assert len(claimed) == 1
    # Leased: a second scan does not take it again, nor create another survey.
    assert await _claim_surveys(db, NOW + timedelta(minutes=12)) == []


async def test_no_survey_is_sent_for_a_ticket_whose_data_was_erased(db, alice):
    """The customer withdrew consent (or asked to be forgotten) before the survey was due: they
    are not asked, neither through a survey created earlier nor through a new one."""
    await _resolved_ticket(db, alice.id, NOW)
    await _resolved_ticket(db, alice.id, NOW + timedelta(minutes=5))  # its survey not made yet
    assert len(await _claim_surveys(db, NOW + timedelta(minutes=11), lease=timedelta(0))) == 1
    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice.id)
        await erasure.erase_customer(session, customer, by="customer", now=NOW)
    assert await _claim_surveys(db, NOW + timedelta(minutes=16)) == []


async def test_tickets_resolved_before_the_expiry_window_are_not_surveyed(db, alice):
    await _resolved_ticket(db, alice.id, NOW - timedelta(days=10))

    assert await _claim_surveys(db, NOW) == []


async def test_an_unsent_survey_is_claimed_again_once_its_lease_ran_out(db, alice):
    await _resolved_ticket(db, alice.id, NOW)
    later = NOW + timedelta(minutes=11)
    first = await _claim_surveys(db, later, lease=timedelta(0))

    assert await _claim_surveys(db, later) == first  # the crashed sender's survey, again
    async with db.unit_of_work() as session:
        await surveys.mark_sent(session, first[0], message_id=7, now=later)
    assert await _claim_surveys(db, later, lease=timedelta(0)) == []


async def test_concurrent_scans_claim_each_survey_once(db, alice):
    for minute in range(6):
        await _resolved_ticket(db, alice.id, NOW + timedelta(minutes=minute))
    later = NOW + timedelta(hours=1)

    results = await asyncio.gather(*[_claim_surveys(db, later) for _ in range(3)])

    claimed = [survey_id for result in results for survey_id in result]
    assert len(claimed) == len(set(claimed)) == 6


async def test_scores_and_comments_are_recorded_as_ticket_events(db, alice):
    ticket_id = await _resolved_ticket(db, alice.id, NOW)
    (survey_id,) = await _claim_surveys(db, NOW + DELAY)
    async with db.unit_of_work() as session:
        found = await surveys.with_ticket(session, survey_id, for_update=True)
        assert found is not None
        survey, ticket = found
        actor = Actor.customer(ticket.customer)
        assert await surveys.record_score(session, survey, ticket, 2, actor=actor, now=NOW) is None
        assert await surveys.record_score(session, survey, ticket, 1, actor=actor, now=NOW) == 2
        await surveys.record_comment(session, survey, ticket, "Too slow", actor=actor, now=NOW)
        assert await surveys.unalerted_low_scores(session, threshold=2) == [survey_id]
        await surveys.mark_alerted(session, survey_id, now=NOW)
        assert await surveys.unalerted_low_scores(session, threshold=2) == []
        record = await events.history(session, ticket_id)

    survey_events = [e for e in record if e.kind == EventKind.SURVEY]
    assert [e.data for e in survey_events] == [
        {"score": 2},
        {"score": 1, "previous": 2},
        {"comment": True},
    ]
    assert survey_events[-1].text == "Too slow"


# --- campaigns and the outbox -------------------------------------------------------------------


async def _campaign(db: Database, audience: campaigns.Audience) -> int:
    async with db.unit_of_work() as session:
        campaign = await campaigns.create(
            session,
            kind=CampaignKind.NPS,
            texts={"en": {"question": "Would you recommend us?"}},
            audience=audience,
            repeat=Repeat.NONE,
            first_run_at=NOW,
            created_by=3001,
            now=NOW,
        )
        return campaign.id


async def _start(db: Database, campaign_id: int) -> int:
    async with db.unit_of_work() as session:
        campaign = await campaigns.get(session, campaign_id, for_update=True)
        assert campaign is not None
        run = await campaigns.start_run(session, campaign, now=NOW, next_run_at=None)
        return run.id


async def _claim(db: Database, worker: str = "w1", limit: int = 100, lease=LEASE):
    async with db.unit_of_work() as session:
        return await outbox.claim(session, worker=worker, limit=limit, lease=lease)


async def test_a_run_writes_one_outbox_row_per_consented_reachable_customer(db):
    for telegram_id in range(10, 15):
        await _customer(db, telegram_id)
    await _customer(db, 20, consent=False)
    opted_out, unreachable = await _customer(db, 21), await _customer(db, 22)
    async with db.unit_of_work() as session:
        await customers.set_campaigns_opt_out(
            session, await customers.get(session, opted_out.id), True, now=NOW
        )
        await customers.mark_unreachable(
            session, await customers.get(session, unreachable.id), now=NOW
        )
    campaign_id = await _campaign(db, campaigns.Audience(AudienceKind.ALL))

    run_id = await _start(db, campaign_id)

    async with db.read_only() as session:
        progress = await campaigns.progress(session, run_id)
        run = await campaigns.latest_run(session, campaign_id)
    assert progress[DeliveryStatus.PENDING] == 5 and progress.total == 5
    assert run is not None and run.recipients == 5


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (campaigns.Audience(AudienceKind.LANGUAGE, language=Language.ZH_HANT), {31}),
        (campaigns.Audience(AudienceKind.PRODUCT, product="massage-chair-m8"), {32}),
        (campaigns.Audience(AudienceKind.RECENT_TICKET, days=30), {32}),
        (campaigns.Audience(AudienceKind.RECENT_TICKET, days=90), {32, 33}),
    ],
)
async def test_audiences_select_by_language_product_and_recent_tickets(db, audience, expected):
    await _customer(db, 31, language=Language.ZH_HANT)
    recent, older = await _customer(db, 32), await _customer(db, 33)
    await _resolved_ticket(db, recent.id, NOW - timedelta(days=3), product="massage-chair-m8")
    await _resolved_ticket(db, older.id, NOW - timedelta(days=60), product="water-purifier")
    run_id = await _start(db, await _campaign(db, audience))

    claimed = await _claim(db)

    assert {d.telegram_id for d in claimed} == expected
    async with db.read_only() as session:
        assert (await campaigns.progress(session, run_id)).total == len(expected)


async def test_concurrent_senders_never_claim_the_same_recipient(db):
    for telegram_id in range(100, 130):
        await _customer(db, telegram_id)
    await _start(db, await _campaign(db, campaigns.Audience(AudienceKind.ALL)))

    results = await asyncio.gather(*[_claim(db, f"w{n}", limit=7) for n in range(5)])

    ids = [d.recipient_id for result in results for d in result]
    assert len(ids) == len(set(ids)) == 30


async def test_outcomes_retries_and_expired_leases(db):
    for telegram_id in range(40, 44):
        await _customer(db, telegram_id)
    run_id = await _start(db, await _campaign(db, campaigns.Audience(AudienceKind.ALL)))
    sent, blocked, retried, crashed = await _claim(db, lease=timedelta(0))
    async with db.unit_of_work() as session:
        await outbox.mark_sent(
            session, sent.recipient_id, worker="w1", message_id=5, language="en", now=NOW
        )
        await outbox.mark_final(
            session, blocked.recipient_id, DeliveryStatus.BLOCKED, worker="w1", error_code=403
        )
        await outbox.retry_later(
            session, retried.recipient_id, worker="w1", delay=timedelta(0), count_attempt=True
        )
        # Someone else's lease: ignored.
        await outbox.mark_sent(
            session, crashed.recipient_id, worker="w2", message_id=9, language="en", now=NOW
        )

    again = await _claim(db, "w3")

    assert {d.recipient_id for d in again} == {retried.recipient_id, crashed.recipient_id}
    assert next(d for d in again if d.recipient_id == retried.recipient_id).attempts == 1
    async with db.read_only() as session:
        progress = await campaigns.progress(session, run_id)
    assert progress[DeliveryStatus.SENT] == 1 and progress[DeliveryStatus.BLOCKED] == 1
    assert progress.queued == 2


async def test_paused_campaigns_are_not_claimed_and_cancel_skips_the_rest(db):
    for telegram_id in range(50, 53):
        await _customer(db, telegram_id)
    campaign_id = await _campaign(db, campaigns.Audience(AudienceKind.ALL))
    run_id = await _start(db, campaign_id)
    first = await _claim(db, limit=1)
    async with db.unit_of_work() as session:
        await outbox.release(session, [first[0].recipient_id], worker="w1")
        campaign = await campaigns.get(session, campaign_id, for_update=True)
        assert campaign is not None
        assert await campaigns.pause(session, campaign, now=NOW)

    assert await _claim(db) == []

    async with db.unit_of_work() as session:
        campaign = await campaigns.get(session, campaign_id, for_update=True)
        assert campaign is not None
        assert await campaigns.resume(session, campaign, now=NOW)
        assert campaign.status == CampaignStatus.RUNNING
    (in_flight,) = await _claim(db, limit=1)
    async with db.unit_of_work() as session:
        campaign = await campaigns.get(session, campaign_id, for_update=True)
        assert campaign is not None
        assert await campaigns.cancel(session, campaign, now=NOW)
    async with db.unit_of_work() as session:  # the send in flight during the cancel arrived
        await outbox.mark_sent(
            session, in_flight.recipient_id, worker="w1", message_id=3, language="en", now=NOW
        )
    async with db.unit_of_work() as session:
        assert await campaigns.finish_idle_runs(session, now=NOW) == []
        progress = await campaigns.progress(session, run_id)
    assert progress[DeliveryStatus.SKIPPED] == 2 and progress[DeliveryStatus.SENT] == 1
    assert await _claim(db) == []


async def test_a_run_with_nothing_left_finishes_and_a_quarterly_campaign_waits(db):
    await _customer(db, 60)
    campaign_id = await _campaign(db, campaigns.Audience(AudienceKind.ALL))
    async with db.unit_of_work() as session:
        campaign = await campaigns.get(session, campaign_id, for_update=True)
        assert campaign is not None
        await campaigns.start_run(session, campaign, now=NOW, next_run_at=NOW + timedelta(days=91))
    (delivery,) = await _claim(db)
    async with db.unit_of_work() as session:
        assert await campaigns.finish_idle_runs(session, now=NOW) == []
        await outbox.mark_sent(
            session, delivery.recipient_id, worker="w1", message_id=1, language="en", now=NOW
        )
    async with db.unit_of_work() as session:
        assert await campaigns.finish_idle_runs(session, now=NOW) == [campaign_id]
        campaign = await campaigns.get(session, campaign_id)
        assert campaign is not None and campaign.status == CampaignStatus.SCHEDULED
        assert await campaigns.due(session, now=NOW + timedelta(days=92)) == [campaign_id]
