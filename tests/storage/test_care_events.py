"""Care and training events on SQLite and PostgreSQL: capacity holds when customers register at
once, a double press registers once, the reminder is queued once for those still registered,
and the yearly count reads held events only."""

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from domain.care.event_metrics import EventsPerYearAtLeast
from domain.care.event_time import EventTimeError, TimeProblem, parse_event_time
from storage import care_events, customers, erasure
from storage.campaigns import Audience
from storage.care_events import Outcome
from storage.db import Database
from storage.survey_models import AudienceKind, Campaign, CampaignRecipient, CampaignRun
from tests.storage.conftest import NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _customer(db: Database, telegram_id: int) -> int:
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(session, telegram_id, now=NOW)
        await customers.record_consent(session, customer, now=NOW, first_name="C")
        return customer.id


async def _event(db: Database, *, capacity: int, starts_in: timedelta, now=NOW) -> int:
    async with db.unit_of_work() as session:
        event, _reach = await care_events.announce(
            session,
            title={"en": "Filter care class"},
            text={"en": "How to change filters."},
            starts_at=NOW + starts_in,
            place="Shop, 1 Main Street",
            capacity=capacity,
            audience=Audience(AudienceKind.ALL),
            created_by=3001,
            now=now,
        )
        return event.id


async def _register(db: Database, event_id: int, customer_id: int, now=NOW) -> Outcome:
    async with db.unit_of_work() as session:
        return await care_events.register(session, event_id, customer_id, now=now)


async def test_customers_registering_at_once_never_overbook(db):
    people = [await _customer(db, 1000 + n) for n in range(6)]
    event_id = await _event(db, capacity=3, starts_in=timedelta(days=3))

    outcomes = await asyncio.gather(*(_register(db, event_id, person) for person in people))

    assert sorted(outcomes) == sorted([Outcome.REGISTERED] * 3 + [Outcome.FULL] * 3)
    async with db.read_only() as session:
        assert len(await care_events.registrants(session, event_id)) == 3


async def test_a_double_press_registers_once_and_a_cancel_frees_the_place(db):
    alice, bob = await _customer(db, 1001), await _customer(db, 1002)
    event_id = await _event(db, capacity=1, starts_in=timedelta(days=3))

    assert await _register(db, event_id, alice) == Outcome.REGISTERED
    assert await _register(db, event_id, alice) == Outcome.ALREADY
    assert await _register(db, event_id, bob) == Outcome.FULL
    async with db.unit_of_work() as session:
        assert (
            await care_events.cancel_registration(session, event_id, alice, now=NOW)
            == Outcome.CANCELLED
        )
        assert (
            await care_events.cancel_registration(session, event_id, alice, now=NOW)
            == Outcome.NOT_REGISTERED
        )
    assert await _register(db, event_id, bob) == Outcome.REGISTERED
    assert await _register(db, event_id, alice, now=NOW + timedelta(days=4)) == (
        Outcome.TAKEN_PLACE
    )


async def test_the_reminder_is_queued_once_for_those_still_registered(db):
    alice, bob = await _customer(db, 1001), await _customer(db, 1002)
    event_id = await _event(db, capacity=5, starts_in=timedelta(days=3))
    await _register(db, event_id, alice)
    await _register(db, event_id, bob)
    async with db.unit_of_work() as session:
        await care_events.cancel_registration(session, event_id, bob, now=NOW)

    async def scan(now) -> list[int]:
        async with db.unit_of_work() as session:
            return await care_events.queue_reminders(session, now=now, before=timedelta(hours=24))

    assert await scan(NOW + timedelta(days=1)) == []  # two days ahead: not yet
    due = NOW + timedelta(days=2, minutes=1)
    assert await asyncio.gather(scan(due), scan(due)) in ([[event_id], []], [[], [event_id]])
    assert await scan(due + timedelta(hours=1)) == []

    async with db.read_only() as session:
        rows = (
            await session.execute(
                select(
                    CampaignRun.number, CampaignRecipient.customer_id, CampaignRecipient.occasion
                )
                .join(CampaignRun, CampaignRun.id == CampaignRecipient.run_id)
                .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
                .where(Campaign.standing == care_events.standing_name(event_id))
                .order_by(CampaignRun.number, CampaignRecipient.customer_id)
            )
        ).all()
    # Run 1 announced it to both; run 2 reminds Alice only.
    assert [tuple(row) for row in rows] == [
        (1, alice, ""),
        (1, bob, ""),
        (2, alice, care_events.REMINDER),
    ]


async def test_an_event_announced_inside_the_reminder_window_gets_no_reminder(db):
    alice = await _customer(db, 1001)
    event_id = await _event(db, capacity=5, starts_in=timedelta(hours=5))
    await _register(db, event_id, alice)
    async with db.unit_of_work() as session:
        claimed = await care_events.queue_reminders(
            session, now=NOW + timedelta(hours=1), before=timedelta(hours=24)
        )
        runs = list(await session.scalars(select(CampaignRun.number)))
    assert claimed == [event_id] and runs == [1]


async def test_held_events_are_those_begun_and_attendance_is_marked_by_name(db):
    alice = await _customer(db, 1001)
    held = await _event(db, capacity=5, starts_in=timedelta(days=1))
    await _event(db, capacity=5, starts_in=timedelta(days=30))
    await _register(db, held, alice)
    later = NOW + timedelta(days=2)
    async with db.unit_of_work() as session:
        assert await care_events.held_between(session, NOW, later) == [NOW + timedelta(days=1)]
        who = await care_events.customer_named(session, "1001")
        assert who == alice and await care_events.customer_named(session, "K-999") is None
        assert await care_events.set_attended(session, held, [alice], now=later) == 1
        [listed] = await care_events.listing(session, now=later, upcoming=False)
    assert (listed.registered, listed.attended) == (1, 1)


NOW_LOCAL = NOW.astimezone(SHANGHAI)  # Monday 2026-03-02 09:30 in Shanghai


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("2026-03-02 09:00", TimeProblem.PAST),
        ("2020-01-01 10:00", TimeProblem.PAST),
        ("2031-01-01 10:00", TimeProblem.TOO_FAR),
        ("tomorrow", TimeProblem.UNREADABLE),
        ("2026-03-05", TimeProblem.UNREADABLE),
        ("2026-03-05 25:00", TimeProblem.UNREADABLE),
    ],
)
def test_an_event_time_that_cannot_be_is_refused(typed, problem):
    with pytest.raises(EventTimeError) as refused:
        parse_event_time(typed, now=NOW, zone=SHANGHAI)
    assert refused.value.problem == problem


@pytest.mark.parametrize("typed", ["2026-03-05 14:00", "2026年3月5日 14:00", "5/3/2026 14：00"])
def test_an_event_time_is_read_in_the_business_zone(typed):
    starts = parse_event_time(typed, now=NOW, zone=SHANGHAI)
    assert starts.astimezone(SHANGHAI).isoformat() == "2026-03-05T14:00:00+08:00"


@pytest.mark.parametrize(
    ("params", "target", "error"),
    [({}, 0, "a number of events a year"), ({}, 1.5, "like 2"), ({"per": 1}, 2, "unknown")],
)
def test_a_yearly_event_clause_takes_a_whole_number_and_no_params(params, target, error):
    with pytest.raises(ValueError, match=error):
        EventsPerYearAtLeast().check(params, target)


async def test_an_erased_customer_gives_back_upcoming_places_and_past_ones_stay(db):
    alice, bob = await _customer(db, 1001), await _customer(db, 1002)
    past = await _event(db, capacity=5, starts_in=timedelta(days=1), now=NOW - timedelta(days=2))
    coming = await _event(db, capacity=1, starts_in=timedelta(days=3))
    assert await _register(db, past, alice, now=NOW - timedelta(days=1)) == Outcome.REGISTERED
    assert await _register(db, coming, alice) == Outcome.REGISTERED
    assert await _register(db, coming, bob) == Outcome.FULL

    later = NOW + timedelta(days=2)  # the first event has taken place
    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice)
        assert customer is not None
        await erasure.erase_customer(session, customer, now=later, by="customer")

    assert await _register(db, coming, bob, now=later) == Outcome.REGISTERED
    async with db.read_only() as session:
        assert len(await care_events.registrants(session, past)) == 1  # still counted as held


async def test_listing_counts_places_taken_and_an_unmarked_past_event_has_none_attended(db):
    alice, bob, carol = [await _customer(db, 1001 + n) for n in range(3)]
    event_id = await _event(db, capacity=5, starts_in=timedelta(days=1))
    for person in (alice, bob, carol):
        assert await _register(db, event_id, person) == Outcome.REGISTERED
    async with db.unit_of_work() as session:
        await care_events.cancel_registration(session, event_id, bob, now=NOW)
        [coming] = await care_events.listing(session, now=NOW, upcoming=True)
        assert await care_events.listing(session, now=NOW, upcoming=False) == []
        later = NOW + timedelta(days=2)
        [past] = await care_events.listing(session, now=later, upcoming=False)
        assert await care_events.listing(session, now=later, upcoming=True) == []
    assert (coming.registered, coming.attended) == (2, 0)
    assert (past.registered, past.attended) == (2, 0)  # /events: everyone registered counts


async def test_a_longer_reminder_window_claims_the_event_earlier(db):
    alice = await _customer(db, 1001)
    event_id = await _event(db, capacity=5, starts_in=timedelta(days=3))
    await _register(db, event_id, alice)
    before = timedelta(hours=48)

    async def scan(now) -> list[int]:
        async with db.unit_of_work() as session:
            return await care_events.queue_reminders(session, now=now, before=before)

    starts = NOW + timedelta(days=3)
    assert await scan(starts - before - timedelta(minutes=1)) == []
    assert await scan(starts - before + timedelta(minutes=1)) == [event_id]
