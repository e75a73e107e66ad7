"""Customer profiles on SQLite and PostgreSQL: a tag is put on once even by two staff at once,
a product told again is the same entry, personal writes need consent, and the yearly check's
lease lets one sender in and lets a crashed one's customer be asked again once it expires."""

import asyncio
from datetime import date, timedelta

import pytest

from storage import customer_notes, customers, profile_checks, profiles, tickets
from storage.customers import ConsentRequired
from storage.db import Database
from storage.enums import TicketType
from storage.models import Customer
from storage.profile_checks import Window
from tests.storage.conftest import NOW

LI = 2001
YEAR = timedelta(days=365)


async def _tag(db: Database, customer_id: int, tag: str) -> bool:
    async with db.unit_of_work() as session:
        return await customer_notes.add_tag(
            session, customer_id, tag, by_telegram_id=LI, by_name="Li Wei", now=NOW
        )


async def _consented(db: Database, telegram_id: int = 5001) -> int:
    async with db.unit_of_work() as session:
        person = await customers.get_or_create_by_telegram(session, telegram_id, now=NOW)
        await customers.record_consent(session, person, now=NOW, first_name="Ana")
        return person.id


async def test_a_tag_is_put_on_once_even_by_two_staff_at_once(db: Database) -> None:
    customer_id = await _consented(db)
    added = await asyncio.gather(_tag(db, customer_id, "vip"), _tag(db, customer_id, "vip"))
    assert sorted(added) == [False, True]
    async with db.unit_of_work() as session:
        assert [t.tag for t in await customer_notes.tags_of(session, customer_id)] == ["vip"]
        assert await customer_notes.remove_tag(session, customer_id, "vip", now=NOW)
        assert not await customer_notes.remove_tag(session, customer_id, "vip", now=NOW)


async def test_a_product_told_again_is_the_same_entry_and_only_its_owner_finds_it(
    db: Database,
) -> None:
    owner, other = await _consented(db, 5001), await _consented(db, 5002)
    async with db.unit_of_work() as session:
        person = await customers.get(session, owner)
        assert person is not None
        first = await profiles.remember_product(
            session,
            person,
            product_id="ro-purifier-600",
            serial_number="AP-1",
            purchase_date=None,
            now=NOW,
        )
        again = await profiles.remember_product(
            session,
            person,
            product_id="ro-purifier-600",
            serial_number="AP-1",
            purchase_date=date(2025, 3, 1),
            now=NOW + timedelta(days=1),
        )
        assert again.id == first.id and again.purchase_date == date(2025, 3, 1)
        assert await profiles.product_of(session, other, first.id) is None
        assert not await profiles.remove_product(session, other, first.id)
        assert [p.id for p in await profiles.products_of(session, owner)] == [first.id]


async def test_profile_writes_need_consent(db: Database, alice: Customer) -> None:
    async with db.unit_of_work() as session:
        person = await customers.get(session, alice.id)
        assert person is not None
        await customers.record_decline(session, person, now=NOW)
        with pytest.raises(ConsentRequired):
            await profiles.set_address(session, person, "12 Garden Road", now=NOW)
        with pytest.raises(ConsentRequired):
            await profiles.remember_product(
                session, person, product_id=None, serial_number="X-1", purchase_date=None, now=NOW
            )


async def test_the_yearly_check_lease_lets_one_sender_in_and_expires(db: Database) -> None:
    customer_id = await _consented(db)
    async with db.unit_of_work() as session:
        person = await customers.get(session, customer_id)
        assert person is not None
        await tickets.create(session, person, TicketType.REPAIR, now=NOW)
    later = Window(NOW + YEAR + timedelta(days=1), YEAR, timedelta(days=90))
    lease = timedelta(minutes=10)

    async def claim(window: Window) -> bool:
        async with db.unit_of_work() as session:
            return await profile_checks.claim(session, customer_id, window, lease=lease)

    async with db.read_only() as session:
        assert (
            await profile_checks.due(session, Window(NOW, YEAR, timedelta(days=90)), limit=9) == []
        )
        assert await profile_checks.due(session, later, limit=9) == [customer_id]
    assert sorted(await asyncio.gather(claim(later), claim(later))) == [False, True]
    # The sender crashed before marking it sent: once the lease is over, it is due again.
    assert not await claim(Window(later.now + timedelta(minutes=9), YEAR, later.recent))
    after_lease = Window(later.now + timedelta(minutes=11), YEAR, later.recent)
    assert await claim(after_lease)
    async with db.unit_of_work() as session:
        await profile_checks.sent(session, customer_id, now=after_lease.now)
    async with db.read_only() as session:
        next_day = Window(after_lease.now + timedelta(days=1), YEAR, later.recent)
        assert await profile_checks.due(session, next_day, limit=9) == []
