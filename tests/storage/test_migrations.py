"""Migrations build the schema the models describe, on both databases."""

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storage import migrate
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


async def test_migrated_schema_matches_the_models(empty_url):
    await migrate.upgrade(empty_url)

    assert await _schema_diffs(empty_url) == []


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
