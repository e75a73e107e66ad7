"""SLA storage: migration 0004, the flush hook that keeps timers in step, exactly-once claims,
and the scanner's one indexed query, on SQLite and PostgreSQL."""

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from bot.config import load_business_config
from domain.sla.tracking import sla_flush_hook
from storage import customers, migrate, tickets
from storage import sla as sla_store
from storage.db import Database
from storage.enums import Priority, TicketStatus, TicketType
from storage.events import Actor
from storage.models import Customer
from tests.storage import schema

STAFF = Actor.staff(501, "Mei")
ZONE = ZoneInfo("Asia/Shanghai")
# The shipped policies: repairs 2 h (business clock), urgent repairs 30 min (calendar clock).
CONFIG = load_business_config(None)


@pytest.fixture
def tracked(db: Database) -> Database:
    db.on_ticket_flush = sla_flush_hook(CONFIG, ZONE)
    return db


async def _open(db: Database, customer: Customer, now, **fields) -> int:
    async with db.unit_of_work() as session:
        owner = await customers.get(session, customer.id)
        ticket = await tickets.create(session, owner, TicketType.REPAIR, now=now, **fields)
        return ticket.id


async def test_migration_0004_adds_the_timers_and_takes_them_away_again(empty_url):
    await migrate.upgrade(empty_url, "0004")
    assert {"first_response_due_at", "next_alert_at", "sla_version"} <= await schema.columns(
        empty_url, "tickets"
    )
    assert "sla_alerts" in await schema.tables(empty_url)

    await migrate.downgrade(empty_url, "0003")

    assert "next_alert_at" not in await schema.columns(empty_url, "tickets")
    assert "sla_alerts" not in await schema.tables(empty_url)
    await migrate.upgrade(empty_url)
    assert await migrate.current_revision(empty_url) == migrate.head_revision()


async def test_a_new_ticket_gets_its_deadlines_from_the_hook(tracked, alice, now):
    ticket_id = await _open(tracked, alice, now, priority=Priority.URGENT)

    async with tracked.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    assert ticket.first_response_due_at == now + timedelta(minutes=30)
    assert ticket.resolution_due_at == now + timedelta(hours=4)
    assert ticket.next_alert_at == now + timedelta(minutes=22, seconds=30)  # 75 % of 30 min
    assert ticket.sla_version == 1


async def test_a_first_response_stamped_by_update_still_stops_its_timer(tracked, alice, now):
    ticket_id = await _open(tracked, alice, now, priority=Priority.URGENT)

    async with tracked.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        await tickets.stamp_first_response(session, ticket, now=now + timedelta(minutes=5))

    async with tracked.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    assert ticket.first_response_due_at is None
    assert ticket.resolution_due_at == now + timedelta(hours=4)
    assert ticket.next_alert_at == now + timedelta(hours=3)  # resolution: 75 % of 4 h


async def test_status_and_priority_changes_move_the_deadlines(tracked, alice, now):
    ticket_id = await _open(tracked, alice, now)
    later = now + timedelta(minutes=10)

    async with tracked.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        before = ticket.first_response_due_at
        await tickets.set_priority(session, ticket, Priority.URGENT, actor=STAFF, now=later)
        assert ticket.first_response_due_at == now + timedelta(minutes=30)
        assert before != ticket.first_response_due_at
        await tickets.set_status(session, ticket, TicketStatus.RESOLVED, actor=STAFF, now=later)

    async with tracked.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    assert ticket.first_response_due_at is None and ticket.resolution_due_at is None
    assert ticket.next_alert_at is None


async def test_claiming_an_alert_twice_claims_it_once(db, alice, now):
    ticket_id = await _open(db, alice, now)
    key = ("first_response", "warn75", 1)

    async def claim() -> int | None:
        async with db.unit_of_work() as session:
            return await sla_store.claim(
                session,
                ticket_id,
                key,
                due_at=now,
                alert_at=now,
                status=sla_store.AlertStatus.PENDING,
                now=now,
            )

    results = await asyncio.gather(*(claim() for _ in range(5)))

    assert sum(result is not None for result in results) == 1
    async with db.read_only() as session:
        pending = await sla_store.pending(session, limit=10)
    assert [(a.ticket_id, a.timer, a.level, a.version) for a, _ in pending] == [(ticket_id, *key)]


async def test_the_unique_key_is_enforced_by_the_database(db, alice, now):
    ticket_id = await _open(db, alice, now)
    row = (
        "INSERT INTO sla_alerts (ticket_id, timer, level, version, status, due_at, alert_at, "
        "delivered, created_at) VALUES (:t, 'resolution', 'breach', 3, 'sent', :n, :n, 0, :n)"
    )
    values = {"t": ticket_id, "n": now.replace(tzinfo=None)}
    async with db.unit_of_work() as session:
        await session.execute(text(row), values)

    with pytest.raises(Exception, match=r"(?i)unique"):
        async with db.unit_of_work() as session:
            await session.execute(text(row), values)


async def test_finishing_a_pending_alert_happens_once(db, alice, now):
    ticket_id = await _open(db, alice, now)
    async with db.unit_of_work() as session:
        alert_id = await sla_store.claim(
            session,
            ticket_id,
            ("resolution", "breach", 1),
            due_at=now,
            alert_at=now,
            status=sla_store.AlertStatus.PENDING,
            now=now,
        )
        assert alert_id is not None
        await sla_store.record_delivery(session, alert_id, 2)

    async with db.unit_of_work() as session:
        assert await sla_store.finish(session, alert_id, sla_store.AlertStatus.SENT, now=now)
        assert not await sla_store.finish(session, alert_id, sla_store.AlertStatus.SENT, now=now)
    async with db.read_only() as session:
        assert await sla_store.pending(session, limit=10) == []


async def test_the_scanner_finds_due_tickets_and_never_closed_ones(tracked, alice, now):
    due_soon = await _open(tracked, alice, now, priority=Priority.URGENT)
    due_later = await _open(tracked, alice, now)
    closed = await _open(tracked, alice, now, priority=Priority.URGENT)
    async with tracked.unit_of_work() as session:
        ticket = await tickets.get(session, closed, for_update=True)
        await tickets.set_status(session, ticket, TicketStatus.CLOSED, actor=STAFF, now=now)

    async with tracked.unit_of_work() as session:
        soon = await sla_store.tickets_due(session, now + timedelta(minutes=25), limit=10)
        both = await sla_store.tickets_due(session, now + timedelta(days=30), limit=10)

    assert [t.id for t in soon] == [due_soon]
    assert [t.id for t in both] == [due_soon, due_later]


async def test_the_scanner_query_uses_the_next_alert_index(sqlite_db, now):
    query = sla_store.alert_due_query(now, limit=100)
    compiled = query.compile(sqlite_db.engine, compile_kwargs={"literal_binds": True})

    async with sqlite_db.read_only() as session:
        plan = (await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()

    details = " ".join(str(row[-1]) for row in plan)
    assert "USING INDEX ix_tickets_next_alert_at" in details or (
        "USING COVERING INDEX ix_tickets_next_alert_at" in details
    ), details


async def test_postgresql_can_answer_the_scanner_from_the_index(pg_database_url, now):
    await migrate.upgrade(pg_database_url)
    db = Database(pg_database_url)
    try:
        query = sla_store.alert_due_query(now, limit=100)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        async with db.read_only() as session:
            await session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = (await session.execute(text(f"EXPLAIN {compiled}"))).scalars().all()
    finally:
        await db.dispose()
    assert "ix_tickets_next_alert_at" in " ".join(plan)


async def test_tickets_at_risk_are_listed_soonest_first(tracked, alice, now):
    normal = await _open(tracked, alice, now)  # first response due in 2 business hours
    urgent = await _open(tracked, alice, now, priority=Priority.URGENT)  # in 30 min
    await _open(tracked, alice, now + timedelta(hours=1))  # due 14:00, after lunch: not yet

    async with tracked.read_only() as session:
        listed = await sla_store.at_risk(
            session, now + timedelta(minutes=95), within=timedelta(minutes=30), limit=10
        )

    assert [t.id for t in listed] == [urgent, normal]
