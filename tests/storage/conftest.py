"""Database fixtures: every storage test runs on a SQLite file and on PostgreSQL.

PostgreSQL tests use a throw-away database created for the session (so parallel suites never
share tables) and a fresh `public` schema per test. Set KEFU_TEST_POSTGRES to use another
server; the tests are skipped if it cannot be reached.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import asyncpg
import pytest

from storage import customers, migrate
from storage.db import Database
from storage.models import Customer

PG_SERVER = os.environ.get("KEFU_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
NOW = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # Monday 09:30 in Shanghai


async def _create_pg_database() -> str | None:
    try:
        connection = await asyncpg.connect(PG_SERVER, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return None
    name = f"kefu_test_{uuid.uuid4().hex[:10]}"
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return name


async def _drop_pg_database(name: str) -> None:
    connection = await asyncpg.connect(PG_SERVER, timeout=3)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    name = asyncio.run(_create_pg_database())
    if name is None:
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    server = PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    yield f"{server}/{name}"
    asyncio.run(_drop_pg_database(name))


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


@pytest.fixture
async def db(empty_url: str) -> AsyncIterator[Database]:
    """A migrated database."""
    await migrate.upgrade(empty_url)
    database = Database(empty_url)
    yield database
    await database.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}"


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    await migrate.upgrade(sqlite_url)
    database = Database(sqlite_url)
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
