"""Column types that behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime in, an aware UTC datetime out, on every dialect.

    PostgreSQL keeps the instant in `timestamptz`. SQLite has no time zone type and SQLAlchemy's
    SQLite DATETIME drops the offset, so UTC wall time is stored and UTC is re-attached on load.
    Naive datetimes are refused: a missing zone is a bug, not a guess to make.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_cls: type[StrEnum]) -> sa.Enum:
    """A `StrEnum` stored by value in a plain VARCHAR(32).

    Non-native and without a CHECK constraint, so adding a member needs no migration; the
    fixed length leaves room for longer future values.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=_enum_values,
        validate_strings=True,
    )


def _enum_values(enum_cls: type[StrEnum]) -> list[Any]:
    return [member.value for member in enum_cls]
