"""Migrations build the schema the models describe, on both databases."""

import asyncio
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import migrate, schema_version
from storage.db import create_engine
from storage.models import Base
from tests.storage import schema


async def _schema_diffs(url: str) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts=migrate.context_options()),
                    Base.metadata,
                )
            )
    finally:
        await engine.dispose()


async def test_upgrade_builds_an_empty_database_to_head(empty_url):
    assert await migrate.current_revision(empty_url) is None

    await migrate.upgrade(empty_url)

    assert await migrate.current_revision(empty_url) == migrate.head_revision()
    assert {"customers", "tickets", "ticket_events", "attachments", "inbox_updates"} <= (
        await schema.tables(empty_url)
    )


async def test_a_start_finds_out_without_alembic_whether_there_is_anything_to_migrate(
    empty_url,
):
    assert schema_version.newest_revision() == migrate.head_revision()
    assert not await schema_version.is_current(empty_url)  # never migrated
    await migrate.upgrade(empty_url, "0018")
    assert not await schema_version.is_current(empty_url)  # one revision behind
    await migrate.upgrade(empty_url)
    assert await schema_version.is_current(empty_url)


async def test_migrated_schema_matches_the_models(empty_url):
    await migrate.upgrade(empty_url)

    assert await _schema_diffs(empty_url) == []


async def test_an_empty_database_gets_the_schema_every_revision_in_turn_builds(empty_url):
    """A first start creates the models' schema in one go instead of replaying each revision:
    it must be exactly what the revisions build, keys, defaults and indexes included, or a
    later revision written against the replayed schema would meet another one."""
    await migrate.upgrade(empty_url, replay=True)
    replayed = await schema.described(empty_url)
    await migrate.downgrade(empty_url, "base")
    assert await schema.tables(empty_url) <= {"alembic_version"}
    await _drop_alembic_version(empty_url)

    await migrate.upgrade(empty_url)

    assert await migrate.current_revision(empty_url) == migrate.head_revision()
    assert await schema.described(empty_url) == replayed
    await migrate.upgrade(empty_url)  # and a restart finds nothing to do
    assert await schema.described(empty_url) == replayed


async def _drop_alembic_version(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("DROP TABLE alembic_version")
    finally:
        await engine.dispose()


async def test_upgrade_twice_is_a_no_op_and_downgrade_empties(empty_url):
    await migrate.upgrade(empty_url)
    await migrate.upgrade(empty_url)

    await migrate.downgrade(empty_url, "base")

    assert await schema.tables(empty_url) <= {"alembic_version"}
    await migrate.upgrade(empty_url)
    assert await migrate.current_revision(empty_url) == migrate.head_revision()


async def test_two_instances_starting_together_migrate_once(empty_url):
    await asyncio.gather(migrate.upgrade(empty_url), migrate.upgrade(empty_url))

    assert await migrate.current_revision(empty_url) == migrate.head_revision()


async def test_an_instance_finding_a_new_database_file_locked_waits_for_it(tmp_path):
    """What two instances starting on a new SQLite file meet: SQLite refuses the switch to WAL
    at once while another connection writes to the file, and the instance must wait, not fail
    to start ("database is locked", seen in CI)."""
    path = tmp_path / "kefu.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE starting (id INTEGER)")
    migrating = asyncio.ensure_future(migrate.upgrade(f"sqlite+aiosqlite:///{path}"))
    try:
        # Still waiting, not failed: before the fix it raised DatabaseUnavailable at once.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(migrating), 0.5)
        other.execute("COMMIT")
        await migrating
    finally:
        other.close()
        migrating.cancel()

    assert await migrate.current_revision(f"sqlite+aiosqlite:///{path}") == migrate.head_revision()
