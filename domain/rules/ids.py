"""Ids read back from callback data, which the client sends and can forge."""

from __future__ import annotations

# Ids are INTEGER columns on PostgreSQL (and 64-bit on SQLite): a bigger number names nothing,
# and the database would refuse it with an error instead of "not found".
MAX_ID = 2**31 - 1


def parse_id(raw: str) -> int | None:
    """The id in `raw`, or None when it is not one (not digits, or out of range)."""
    if not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if value <= MAX_ID else None
