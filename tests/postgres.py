"""Throw-away PostgreSQL databases for tests, on the server at KEFU_TEST_POSTGRES.

Each caller gets a database of its own, so suites running side by side never share tables.
"""

from __future__ import annotations

import os
import uuid

import asyncpg

SERVER = os.environ.get("KEFU_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
UNREACHABLE = f"PostgreSQL not reachable at {SERVER.rsplit('@', 1)[-1].rsplit('/', 1)[0]}"


async def create_database(template: str | None = None) -> str | None:
    """The name of a new database, empty or a copy of `template` (a database nobody is
    connected to); None if the server cannot be reached."""
    try:
        connection = await asyncpg.connect(SERVER, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return None
    name = f"kefu_test_{uuid.uuid4().hex[:10]}"
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await connection.execute(f'CREATE DATABASE "{name}"{copy}')
    finally:
        await connection.close()
    return name


async def drop_database(name: str) -> None:
    connection = await asyncpg.connect(SERVER, timeout=3)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def url_of(name: str) -> str:
    """The SQLAlchemy URL of database `name` on the test server."""
    server = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{server}/{name}"


async def set_reachable(name: str, reachable: bool) -> None:
    """Let connections into the database, or shut them out and end the open ones: to the
    application, the database has gone away (or come back)."""
    connection = await asyncpg.connect(SERVER, timeout=3)
    try:
        await connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {reachable}')
        if not reachable:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                name,
            )
    finally:
        await connection.close()
