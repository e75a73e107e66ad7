"""Statements whose spelling differs between SQLite and PostgreSQL."""

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert(session: AsyncSession, entity: type) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for the session's dialect, offering `on_conflict_do_nothing/do_update`."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(entity)
    return sqlite.insert(entity)
