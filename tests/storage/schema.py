"""What a migrated database holds, read back through SQLAlchemy's inspector."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from storage.db import create_engine


async def _inspect(url: str, read: Any) -> Any:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: read(inspect(sync)))
    finally:
        await engine.dispose()


async def tables(url: str) -> set[str]:
    return set(await _inspect(url, lambda inspector: inspector.get_table_names()))


async def columns(url: str, table: str) -> set[str]:
    return await _inspect(url, lambda inspector: {c["name"] for c in inspector.get_columns(table)})
