"""A fresh, migrated Kefu database for every fuzzing example, made quickly from a template.

Migrating takes longer than an example, so the schema is built once (a SQLite file, or a
PostgreSQL database on the KEFU_TEST_POSTGRES server) and each example gets a copy of it.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from storage import migrate
from tests import postgres


class SqliteTemplate:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.template = directory / "template.db"

    async def prepare(self) -> None:
        await migrate.upgrade(f"sqlite+aiosqlite:///{self.template}")

    @asynccontextmanager
    async def fresh(self) -> AsyncIterator[str]:
        with tempfile.TemporaryDirectory(dir=self.directory) as workdir:
            copy = Path(workdir) / "kefu.db"
            shutil.copyfile(self.template, copy)
            yield f"sqlite+aiosqlite:///{copy}"

    async def dispose(self) -> None:
        pass


class PostgresTemplate:
    """CREATE DATABASE ... TEMPLATE copies the migrated schema in a fraction of a second."""

    def __init__(self, template: str) -> None:
        self.template = template

    @classmethod
    async def create(cls) -> PostgresTemplate | None:
        """None when the PostgreSQL test server cannot be reached."""
        name = await postgres.create_database()
        return None if name is None else cls(name)

    async def prepare(self) -> None:
        await migrate.upgrade(postgres.url_of(self.template))

    @asynccontextmanager
    async def fresh(self) -> AsyncIterator[str]:
        name = f"kefu_fuzz_{uuid.uuid4().hex[:10]}"
        connection = await asyncpg.connect(postgres.SERVER, timeout=3)
        try:
            await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        finally:
            await connection.close()
        try:
            yield postgres.url_of(name)
        finally:
            await postgres.drop_database(name)

    async def dispose(self) -> None:
        await postgres.drop_database(self.template)


Template = SqliteTemplate | PostgresTemplate
