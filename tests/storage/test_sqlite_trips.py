"""SQLite through `storage.sqlite_trips`: a statement, its rows and its cursor in one trip to
aiosqlite's thread, and everything SQLAlchemy reads from the cursor still right: rows, counts
of changed rows, the id of an inserted row, errors, streamed results.

The rest of the storage tests run every query through it as well (`storage.db.create_engine`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as connection:
        await connection.execute(
            text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)")
        )
    yield engine
    await engine.dispose()


async def test_rows_counts_and_inserted_ids_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        first = await connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        assert first.lastrowid == 1
        many = await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "b"}, {"body": "c"}]
        )
        assert many.rowcount == 2
        returned = await connection.execute(
            text("INSERT INTO notes (body) VALUES ('d') RETURNING id, body")
        )
        assert returned.all() == [(4, "d")]
        changed = await connection.execute(text("UPDATE notes SET body = body || '!'"))
        assert changed.rowcount == 4
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT id, body FROM notes ORDER BY id"))
        assert list(rows.keys()) == ["id", "body"]
        assert rows.all() == [(1, "a!"), (2, "b!"), (3, "c!"), (4, "d!")]
        assert await connection.scalar(text("SELECT count(*) FROM notes WHERE id > 9")) == 0


async def test_a_failed_statement_raises_sqlalchemys_error_and_rolls_back(
    engine: AsyncEngine,
) -> None:
    with pytest.raises(exc.IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
            await connection.execute(text("INSERT INTO notes (body) VALUES ('same')"))
    async with engine.connect() as connection:
        assert await connection.scalar(text("SELECT count(*) FROM notes")) == 0
    with pytest.raises(exc.OperationalError):
        async with engine.connect() as connection:
            await connection.execute(text("SELECT nothing FROM nowhere"))


async def test_a_streamed_result_reads_row_by_row(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"),
            [{"body": f"n{i}"} for i in range(50)],
        )
    async with engine.connect() as connection:
        streamed = await connection.stream(text("SELECT body FROM notes ORDER BY id"))
        bodies = [row.body async for row in streamed]
    assert bodies == [f"n{i}" for i in range(50)]


async def test_a_statement_is_one_trip_to_the_thread(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))  # the transaction's BEGIN is behind us
        raw = await connection.get_raw_connection()
        aiosqlite_connection = raw.driver_connection
        assert aiosqlite_connection is not None
        trips = 0
        real = aiosqlite_connection._execute

        async def counted(*args: object, **kwargs: object) -> object:
            nonlocal trips
            trips += 1
            return await real(*args, **kwargs)

        aiosqlite_connection._execute = counted  # type: ignore[method-assign]
        try:
            result = await connection.execute(text("SELECT id FROM notes"))
            assert result.all() == []
        finally:
            del aiosqlite_connection._execute
    assert trips == 1  # SQLAlchemy's own adapter: a cursor, execute, fetch and close, four
