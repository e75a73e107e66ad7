"""Statements whose spelling differs between SQLite and PostgreSQL."""

from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession, entity: type) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for the session's dialect, offering `on_conflict_do_nothing/do_update`."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)


async def database_now(session: AsyncSession) -> datetime:
    """The database server's current time, aware UTC."""
    if session.get_bind().dialect.name == "postgresql":
        value = await session.scalar(select(func.clock_timestamp()))
        assert isinstance(value, datetime)
        return value.astimezone(UTC)
    stamp = await session.scalar(text("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')"))
    return datetime.fromisoformat(str(stamp)).replace(tzinfo=UTC)
