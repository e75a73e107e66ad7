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


def _described(inspector: Any) -> dict[str, Any]:
    def table(name: str) -> dict[str, Any]:
        def by_name(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return sorted(items, key=lambda item: str(item.get("name")))

        # Columns by name: a column a revision adds comes last, and no query relies on order.
        return {
            "columns": by_name(
                [{**column, "type": str(column["type"])} for column in inspector.get_columns(name)]
            ),
            "primary key": inspector.get_pk_constraint(name),
            "foreign keys": by_name(inspector.get_foreign_keys(name)),
            "indexes": by_name(
                [_with_text_options(index) for index in inspector.get_indexes(name)]
            ),
            "unique": by_name(inspector.get_unique_constraints(name)),
            "checks": by_name(inspector.get_check_constraints(name)),
        }

    return {name: table(name) for name in sorted(inspector.get_table_names())}


def _with_text_options(index: dict[str, Any]) -> dict[str, Any]:
    # A partial index's condition comes back as a clause object, equal only to itself.
    options = {key: str(value) for key, value in index.get("dialect_options", {}).items()}
    return {**index, "dialect_options": options}


async def described(url: str) -> dict[str, Any]:
    """Every table with its columns (types, defaults, nullability), keys, indexes and
    constraints, as the database reports them."""
    return await _inspect(url, _described)
