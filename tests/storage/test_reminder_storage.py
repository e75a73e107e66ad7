"""Reminders in the campaign outbox, on SQLite and PostgreSQL: one per purchase however many
tickets name it, each occasion queued once however often (and however many at once) the scan
runs, and "Stop these reminders" honoured in the same transaction."""

import asyncio
from datetime import date

from sqlalchemy import select

from storage import customers, erasure, reminders, tickets
from storage.db import Database
from storage.enums import TicketStatus, TicketType
from storage.events import Actor
from storage.reminders import Due, ReminderKind
from storage.survey_models import CampaignRecipient, DeliveryStatus
from tests.storage.conftest import NOW

PURIFIER = "ro-purifier-600"
BOUGHT = date(2025, 6, 1)


async def _customer(db: Database, telegram_id: int, *, consent: bool = True) -> int:
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(session, telegram_id, now=NOW)
        if consent:
            await customers.record_consent(session, customer, now=NOW, first_name="C")
        return customer.id


async def _request(
    db: Database,
    customer_id: int,
    kind=TicketType.REPAIR,
    serial="SN-1",
    resolved=False,
    bought: date | None = BOUGHT,
) -> int:
    async with db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        ticket = await tickets.create(
            session,
            customer,
            kind,
            now=NOW,
            product_id=PURIFIER,
            serial_number=serial,
            purchase_date=bought,
        )
        if resolved:
            await tickets.set_status(
                session, ticket, TicketStatus.RESOLVED, actor=Actor.system(), now=NOW
            )
        return ticket.id


async def _purchases(db: Database, kind=ReminderKind.MAINTENANCE):
    async with db.read_only() as session:
        return await reminders.purchases(session, kind, [PURIFIER])


async def _queue(db: Database, due: list[Due], kind=ReminderKind.MAINTENANCE) -> int:
    async with db.unit_of_work() as session:
        return await reminders.queue(session, kind, due, now=NOW)


async def test_the_first_request_naming_a_purchase_stands_for_it(db):
    alice = await _customer(db, 1001)
    first = await _request(db, alice)
    await _request(db, alice, TicketType.MAINTENANCE, resolved=True)  # the same purchase
    other = await _request(db, alice, serial="SN-2")  # a second purifier
    await _request(db, await _customer(db, 1002, consent=False))  # may not be reminded

    found = await _purchases(db)
    assert [p.ticket_id for p in found] == [first, other]
    assert found[0].last_serviced == NOW and found[1].last_serviced is None


async def test_each_occasion_is_queued_once_even_by_parallel_scans(db):
    alice = await _customer(db, 1001)
    ticket = await _request(db, alice)
    due = [Due(ticket, alice, "2026-12-01")]
    written = await asyncio.gather(*(_queue(db, due) for _ in range(4)))
    assert sorted(written) == [0, 0, 0, 1]
    assert await _queue(db, [Due(ticket, alice, "2027-06-01")]) == 1  # the next due date
    assert await _queue(db, [Due(ticket, alice)], ReminderKind.WARRANTY) == 1  # another kind
    async with db.read_only() as session:
        rows = await session.scalars(select(CampaignRecipient.occasion).order_by("id"))
        assert list(rows) == ["2026-12-01", "2027-06-01", ""]


async def test_stopping_one_kind_skips_its_queued_reminders_and_no_more_are_found(db):
    alice = await _customer(db, 1001)
    ticket = await _request(db, alice)
    await _queue(db, [Due(ticket, alice, "2026-12-01")])
    await _queue(db, [Due(ticket, alice)], ReminderKind.WARRANTY)
    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice)
        assert customer is not None
        assert await reminders.stop(session, customer, ReminderKind.MAINTENANCE, now=NOW) == 1
    async with db.read_only() as session:
        rows = await session.execute(
            select(CampaignRecipient.occasion, CampaignRecipient.status).order_by("id")
        )
        assert list(rows) == [
            ("2026-12-01", DeliveryStatus.SKIPPED),
            ("", DeliveryStatus.PENDING),  # warranty reminders still come
        ]
    assert await _purchases(db) == []
    assert len(await _purchases(db, ReminderKind.WARRANTY)) == 1


async def test_a_reminder_is_found_only_by_its_own_row_id(db):
    alice = await _customer(db, 1001)
    ticket = await _request(db, alice)
    await _queue(db, [Due(ticket, alice, "2026-12-01")])
    async with db.read_only() as session:
        rid = await session.scalar(select(CampaignRecipient.id))
        found = await reminders.reminder(session, rid)
        assert found is not None and found.kind == ReminderKind.MAINTENANCE
        assert found.ticket.id == ticket and found.row.occasion == "2026-12-01"
        assert await reminders.reminder(session, rid + 1) is None


async def test_withdrawal_skips_the_reminders_still_queued_and_finds_no_more(db):
    alice = await _customer(db, 1001)
    ticket = await _request(db, alice)
    await _queue(db, [Due(ticket, alice, "2026-12-01")])
    await _queue(db, [Due(ticket, alice)], ReminderKind.WARRANTY)
    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice)
        assert customer is not None
        await customers.record_decline(session, customer, now=NOW)
        await erasure.erase_customer(session, customer, now=NOW, by="customer")
    async with db.read_only() as session:
        statuses = await session.scalars(select(CampaignRecipient.status))
        assert set(statuses) == {DeliveryStatus.SKIPPED}
    assert await _purchases(db) == [] and await _purchases(db, ReminderKind.WARRANTY) == []


async def test_a_request_without_a_purchase_date_is_never_a_purchase_to_remind_of(db):
    alice = await _customer(db, 1001)
    await _request(db, alice, bought=None)
    await _request(db, alice, TicketType.MAINTENANCE, serial="SN-2", resolved=True, bought=None)
    anywhen = (date(2000, 1, 1), date(2100, 1, 1))
    async with db.read_only() as session:
        for kind in ReminderKind:
            assert await reminders.purchases(session, kind, [PURIFIER]) == []
        found = await reminders.purchases(
            session, ReminderKind.WARRANTY, [PURIFIER], bought_between=anywhen
        )
        assert found == []

    # A later request naming the same purifier with its date: that one stands for it.
    dated = await _request(db, alice, TicketType.MAINTENANCE)
    assert [p.ticket_id for p in await _purchases(db, ReminderKind.WARRANTY)] == [dated]
    assert [p.purchased_on for p in await _purchases(db)] == [BOUGHT]
