"""Database fixtures: every storage test runs on a SQLite file and on PostgreSQL.

PostgreSQL tests use a throw-away database created for the session (so parallel suites never
share tables) and a fresh `public` schema per test. Set KEFU_TEST_POSTGRES to use another
server; the tests are skipped if it cannot be reached.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from storage import customers
from storage.db import Database
from storage.models import Customer
from tests import postgres
from tests.migrated import postgres_copy, sqlite_copy

NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    name = asyncio.run(postgres.create_database())
    if name is None:
        pytest.skip(postgres.UNREACHABLE)
    yield postgres.url_of(name)
    asyncio.run(postgres.drop_database(name))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}"
    return request.getfixturevalue("pg_database_url")


@pytest.fixture
async def empty_url(backend_url: str) -> str:
    """The URL of an empty database: a new SQLite file, or PostgreSQL with a fresh schema."""
    if backend_url.startswith("postgresql"):
        connection = await asyncpg.connect(backend_url.replace("+asyncpg", ""))
        try:
            await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await connection.close()
    return backend_url


@pytest.fixture(params=["sqlite", "postgresql"])
async def migrated_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated_sqlite: Path,
    migrated_postgres: str | None,
) -> AsyncIterator[str]:
    """A migrated database of the test's own: a copy of the session's (`tests.migrated`)."""
    if request.param == "sqlite":
        yield sqlite_copy(migrated_sqlite, tmp_path)
        return
    async for url in postgres_copy(migrated_postgres):
        yield url


@pytest.fixture
async def db(migrated_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    database = Database(migrated_url)
    yield database
    await database.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}"


@pytest.fixture
async def sqlite_db(tmp_path: Path, migrated_sqlite: Path) -> AsyncIterator[Database]:
    database = Database(sqlite_copy(migrated_sqlite, tmp_path))
    yield database
    await database.dispose()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
async def alice(db: Database) -> Customer:
    """A customer who has consented."""
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(session, 1001, now=NOW)
        await customers.record_consent(session, customer, now=NOW, first_name="Alice")
    return customer
