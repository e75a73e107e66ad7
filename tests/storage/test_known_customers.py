"""What an instance keeps in memory about the customers who write (`storage.known_customers`)
is never older than the database: every change a unit of work makes drops it, and on SQLite
the unit of work that made the change keeps the row as it committed it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from storage import customers, erasure
from storage.db import Database
from storage.enums import Language
from storage.known_customers import KnownCustomer
from storage.models import Customer
from tests.storage.conftest import NOW


async def kept_after_change(db: Database, telegram_id: int) -> KnownCustomer | None:
    """What is kept after a unit of work changed the row: on SQLite the row as committed,
    which the unit of work read under the one write lock; on PostgreSQL nothing."""
    kept = db.known_customers.get(telegram_id)
    assert (kept is not None) == (db.dialect == "sqlite")
    if kept is not None:
        async with db.read_only() as session:
            stored = await customers.get_by_telegram(session, telegram_id)
        assert stored is not None and KnownCustomer.of(stored) == kept
    return kept


async def read_and_keep(db: Database, telegram_id: int) -> None:
    generation = db.known_customers.generation
    async with db.read_only() as session:
        customer = await customers.get_by_telegram(session, telegram_id)
    assert customer is not None
    db.known_customers.keep(customer, read_in_generation=generation)


async def test_a_change_of_the_row_drops_what_was_kept(db: Database, alice: Customer) -> None:
    await read_and_keep(db, alice.telegram_id)
    kept = db.known_customers.get(alice.telegram_id)
    assert kept is not None and kept.has_consented and kept.language == Language.EN

    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice.id)
        assert customer is not None
        await customers.set_language(session, customer, Language.ZH_HANS, now=NOW)
    kept = await kept_after_change(db, alice.telegram_id)
    assert kept is None or kept.language == Language.ZH_HANS
    await read_and_keep(db, alice.telegram_id)
    kept = db.known_customers.get(alice.telegram_id)
    assert kept is not None and kept.language == Language.ZH_HANS

    async with db.unit_of_work() as session:  # erased: the consent gate must see it at once
        customer = await customers.get(session, alice.id)
        assert customer is not None
        await erasure.erase_customer(
            session, customer, now=NOW + timedelta(minutes=1), by="customer"
        )
    kept = await kept_after_change(db, alice.telegram_id)
    assert kept is None or kept.first_name is None


async def test_a_read_that_overlapped_a_change_is_not_kept(db: Database, alice: Customer) -> None:
    # The middleware read the row, then a unit of work changed it before the read was kept.
    generation = db.known_customers.generation
    async with db.read_only() as session:
        before = await customers.get_by_telegram(session, alice.telegram_id)
    assert before is not None
    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice.id)
        assert customer is not None
        await customers.set_language(session, customer, Language.ZH_HANT, now=NOW)
    db.known_customers.keep(before, read_in_generation=generation)
    kept = await kept_after_change(db, alice.telegram_id)
    assert kept is None or kept.language == Language.ZH_HANT


async def test_a_bulk_update_of_customers_drops_everything(db: Database, alice: Customer) -> None:
    await read_and_keep(db, alice.telegram_id)
    async with db.unit_of_work() as session:
        await session.execute(
            update(Customer)
            .where(Customer.id == alice.id)
            .values(language=Language.ZH_HANS)
            .execution_options(synchronize_session=False)
        )
    assert db.known_customers.get(alice.telegram_id) is None


async def test_a_read_between_the_flush_and_the_commit_is_not_kept(
    db: Database, alice: Customer
) -> None:
    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice.id)
        assert customer is not None
        await customers.set_language(session, customer, Language.ZH_HANS, now=NOW)
        await session.flush()  # written, not yet committed: other readers still see English
        generation = db.known_customers.generation
        async with db.read_only() as reading:
            before = await customers.get_by_telegram(reading, alice.telegram_id)
        assert before is not None and before.language == Language.EN
    db.known_customers.keep(before, read_in_generation=generation)
    kept = await kept_after_change(db, alice.telegram_id)
    assert kept is None or kept.language == Language.ZH_HANS


async def test_a_row_the_unit_of_work_did_not_read_itself_is_not_kept(
    db: Database, alice: Customer
) -> None:
    """An object read in an earlier transaction and changed in a later one may hold columns
    another unit of work changed in between: kept, it would put the old consent back."""
    async with db.read_only() as session:
        earlier = await customers.get_by_telegram(session, alice.telegram_id)
    assert earlier is not None
    async with db.unit_of_work() as session:  # meanwhile: consent withdrawn
        customer = await customers.get(session, alice.id)
        assert customer is not None
        customer.consent_at = None
    async with db.unit_of_work() as session:
        session.add(earlier)
        await customers.set_language(session, earlier, Language.ZH_HANT, now=NOW)
    assert db.known_customers.get(alice.telegram_id) is None


async def test_a_customer_created_and_asked_to_be_kept_is_kept_as_committed(db: Database) -> None:
    async with db.unit_of_work() as session:
        created = await customers.get_or_create_by_telegram(
            session, 4242, language=Language.ZH_HANT, now=NOW
        )
        db.keep_when_committed(session, 4242)
    kept = await kept_after_change(db, 4242)
    assert kept is None or (kept.id == created.id and kept.language == Language.ZH_HANT)
    assert kept is None or not kept.has_consented
