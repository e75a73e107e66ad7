"""The engine and unit of work: UTC round trips, SQLite locking, clear failures."""

import asyncio
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import exc

from storage import customers, inbox, migrate
from storage.db import Database, DatabaseUnavailable, async_url
from storage.models import Counter

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_aware_datetimes_round_trip_as_utc(db, now):
    local = datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(session, 42, now=now)
        await customers.record_consent(session, customer, now=local)

    async with db.unit_of_work() as session:
        customer = await customers.get_by_telegram(session, 42)
        found = await session.scalar(
            sa.select(sa.func.count()).where(customers.Customer.consent_at == local)
        )

    assert customer.consent_at == local
    assert customer.consent_at.utcoffset() == timedelta(0)
    assert customer.consent_at.hour == 1
    assert found == 1


async def test_naive_datetimes_are_refused(db):
    with pytest.raises(exc.StatementError, match="naive datetime"):
        async with db.unit_of_work() as session:
            await customers.get_or_create_by_telegram(session, 42, now=datetime(2026, 3, 2))


async def test_read_then_write_transactions_queue_instead_of_failing(sqlite_db):
    # Each unit reads the counter, yields, then writes it back incremented: with deferred
    # transactions this fails with "database is locked" (SQLITE_BUSY_SNAPSHOT) and loses
    # updates. BEGIN IMMEDIATE makes the units take turns.
    async with sqlite_db.unit_of_work() as session:
        session.add(Counter(name="visits", value=0))

    async def read_then_write() -> None:
        async with sqlite_db.unit_of_work() as session:
            counter = await session.get(Counter, "visits")
            await asyncio.sleep(0.01)
            counter.value += 1

    await asyncio.gather(*(read_then_write() for _ in range(10)))

    async with sqlite_db.read_only() as session:
        assert (await session.get(Counter, "visits")).value == 10


async def test_deferred_transactions_would_fail_read_then_write(sqlite_db):
    """Why the begin listener exists: the failure it prevents, reproduced on purpose."""
    async with sqlite_db.unit_of_work() as session:
        session.add(Counter(name="visits", value=0))
    both_read, first_committed = asyncio.Event(), asyncio.Event()
    readers = 0

    async def read_then_write(first: bool) -> None:
        nonlocal readers
        async with sqlite_db.read_only() as session:  # deferred BEGIN
            counter = await session.get(Counter, "visits")
            readers += 1
            if readers == 2:
                both_read.set()
            await both_read.wait()
            if not first:
                await first_committed.wait()
            counter.value += 1
            await session.flush()
        first_committed.set()

    results = await asyncio.gather(
        read_then_write(True), read_then_write(False), return_exceptions=True
    )

    assert results[0] is None
    assert isinstance(results[1], exc.OperationalError)
    assert "database is locked" in str(results[1])


async def test_read_only_units_see_committed_data(db, now):
    async with db.unit_of_work() as session:
        await customers.get_or_create_by_telegram(session, 42, now=now)
    async with db.read_only() as session:
        assert await customers.get_by_telegram(session, 42) is not None
    await db.check()


async def test_a_read_only_unit_sees_one_snapshot_while_others_commit(db, now):
    # A report, or a ticket read with its events, must not mix rows from before and after a
    # commit that lands between two of its statements.
    count = sa.select(sa.func.count()).select_from(customers.Customer)
    async with db.read_only() as reader:
        before = await reader.scalar(count)
        async with db.unit_of_work() as writer:
            await customers.get_or_create_by_telegram(writer, 43, now=now)
        assert await reader.scalar(count) == before
    async with db.read_only() as reader:
        assert await reader.scalar(count) == before + 1


async def test_a_core_transaction_keeps_all_or_nothing(db, now):
    # The inbox stores a poll's updates this way: a failure part-way must leave none stored,
    # so the poll is not confirmed to Telegram and all of them come again.
    batch = [inbox.Incoming(1, 42, "{}"), inbox.Incoming(2, 42, "{}")]
    with pytest.raises(RuntimeError):
        async with db.core_transaction() as connection:
            assert await inbox.store_new(connection, 7, batch, now=now) == [1, 2]
            raise RuntimeError("the process is stopping")
    async with db.core_transaction() as connection:
        assert await inbox.store_new(connection, 7, batch, now=now) == [1, 2]
    async with db.read_only() as session:
        assert await inbox.backlog(session, 7) == 2


async def test_writers_of_one_process_take_turns_and_a_stuck_one_is_reported(tmp_path, now):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}", sqlite_busy_timeout=0.5)
    try:
        await migrate.upgrade(str(database.url))

        async def create(telegram_id: int) -> None:
            async with database.unit_of_work() as session:
                await customers.get_or_create_by_telegram(session, telegram_id, now=now)

        # Twenty writers at once, each waiting its turn: none fails, none is lost.
        await asyncio.gather(*(create(1000 + n) for n in range(20)))
        async with database.read_only() as session:
            count = sa.select(sa.func.count()).select_from(customers.Customer)
            assert await session.scalar(count) == 20

        # One that waits longer than the busy timeout fails plainly, as SQLite's own wait would.
        async with database.unit_of_work() as holding:
            await customers.get_or_create_by_telegram(holding, 1, now=now)
            with pytest.raises(DatabaseUnavailable, match="database is locked"):
                await create(2)
    finally:
        await database.dispose()


def _sqlite_threads() -> int:
    return sum("_connection_worker_thread" in thread.name for thread in threading.enumerate())


async def test_an_unopenable_sqlite_file_is_reported_plainly(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'kefu.db'}"
    database = Database(url)
    threads = _sqlite_threads()
    try:
        with pytest.raises(DatabaseUnavailable, match=r"cannot open SQLite database .*folder"):
            await database.check()
        # The failed connection's thread is gone when the error is raised: left running, it
        # reported to an event loop closed by then ("Exception in thread ... Event loop is
        # closed" printed under the plain message, at Kefu's exit or a test's end).
        assert _sqlite_threads() == threads
        with pytest.raises(DatabaseUnavailable, match=r"cannot open SQLite database .*folder"):
            async with database.core_transaction():
                pass
    finally:
        await database.dispose()
    with pytest.raises(DatabaseUnavailable, match="cannot open SQLite database"):
        await migrate.upgrade(url)


async def test_an_unreachable_postgresql_is_reported_plainly():
    url = "postgresql+asyncpg://kefu:secret@127.0.0.1:1/kefu"
    database = Database(url)
    try:
        with pytest.raises(DatabaseUnavailable, match="cannot reach the database"):
            async with database.core_transaction():
                pass
        with pytest.raises(DatabaseUnavailable) as caught:
            await database.check()
    finally:
        await database.dispose()
    message = str(caught.value)
    assert message.startswith("cannot reach the database at postgresql+asyncpg://kefu:***@")
    assert "secret" not in message


async def test_a_missing_postgresql_database_is_reported_plainly(pg_database_url):
    url = pg_database_url.rsplit("/", 1)[0] + "/no_such_kefu_db"
    with pytest.raises(DatabaseUnavailable, match='database "no_such_kefu_db" does not exist'):
        await migrate.upgrade(url)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///kefu.db", "sqlite+aiosqlite:///kefu.db"),
        ("postgres://u@db/kefu", "postgresql+asyncpg://u@db/kefu"),
        ("postgresql://u@db/kefu", "postgresql+asyncpg://u@db/kefu"),
    ],
)
def test_urls_get_the_asyncio_driver(given, expected):
    assert async_url(given).render_as_string() == expected


@pytest.mark.parametrize("given", ["mysql://db/kefu", "postgresql+psycopg2://db/k", "kefu.db"])
def test_unusable_urls_are_refused(given):
    with pytest.raises(ValueError, match=r"sqlite\+aiosqlite:///kefu\.db"):
        async_url(given)
