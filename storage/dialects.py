"""Statements whose spelling differs between SQLite and PostgreSQL."""

from datetime import UTC, datetime

from sqlalchemy import Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


def name_of(executor: AsyncSession | AsyncConnection) -> str:
    """ "sqlite" or "postgresql": the dialect a session or a connection speaks."""
    if isinstance(executor, AsyncConnection):
        return executor.dialect.name
    return executor.get_bind().dialect.name


def insert(
    executor: AsyncSession | AsyncConnection, entity: type | Table
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for the dialect, offering `on_conflict_do_nothing/do_update`."""
    if name_of(executor) == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


async def database_now(session: AsyncSession) -> datetime:
    """The database server's current time, aware UTC."""
    if name_of(session) == "postgresql":
        value = await session.scalar(select(func.clock_timestamp()))
        assert isinstance(value, datetime)
        return value.astimezone(UTC)
    stamp = await session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    return datetime.fromisoformat(str(stamp)).replace(tzinfo=UTC)
