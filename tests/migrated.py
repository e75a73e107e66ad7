"""Migrated databases for tests, made once per session and copied for each test.

Running every migration takes about a second per database, longer than most tests take to
run; a copy takes milliseconds (a file copy for SQLite, `CREATE DATABASE ... TEMPLATE` for
PostgreSQL). Kefu still runs its migrations at start-up on the copy, and finds nothing to do;
the migrations themselves are tested from an empty database (tests/storage/test_migrations.py).
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from storage import migrate
from tests import postgres


def sqlite_template(directory: Path) -> Path:
    """A SQLite file migrated to head, in `directory`: copy it, never open it."""
    path = directory / "kefu.db"
    asyncio.run(migrate.upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    """The URL of a fresh copy of the migrated SQLite file, in `directory`."""
    path = directory / "kefu.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


def postgres_template() -> Iterator[str | None]:
    """The name of a PostgreSQL database migrated to head, a template for each test's own;
    None if the server cannot be reached. Dropped when the iterator is closed."""
    name = asyncio.run(postgres.create_database())
    if name is None:
        yield None
        return
    asyncio.run(migrate.upgrade(postgres.url_of(name)))
    yield name
    asyncio.run(postgres.drop_database(name))


async def postgres_copy(template: str | None) -> AsyncIterator[str]:
    """A fresh copy of the migrated PostgreSQL database for one test, dropped after it."""
    name = None if template is None else await postgres.create_database(template)
    if name is None:
        pytest.skip(postgres.UNREACHABLE)
    try:
        yield postgres.url_of(name)
    finally:
        await postgres.drop_database(name)
