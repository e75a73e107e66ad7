"""SLA scanner query time as closed tickets pile up.

    python -m bench.sla_scan                              # SQLite: 10k, 100k, 1M tickets
    python -m bench.sla_scan --sizes 10000 100000 --postgres postgresql://postgres@127.0.0.1/test

Each size gets a fresh database (migrated to head) holding N tickets, of which a fixed 2,000
are active with timers (`next_alert_at` spread over the coming week, 50 of them already due)
and the rest closed (`next_alert_at` NULL, as the flush hook leaves them). Rows are written with
Core bulk inserts. Printed per size: the time to create the rows, the scanner's query
(`storage.sla.alert_due_query`: due tickets, soonest first, LIMIT 100) as median and p95 of
200 runs, and the query plan's use of `ix_tickets_next_alert_at`. The cost should not grow
with N: the query reads only the index range `next_alert_at <= now`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import insert, text

from storage import migrate
from storage import sla as sla_store
from storage.db import Database
from storage.models import Customer, Ticket

ACTIVE = 2_000
DUE_NOW = 50
CHUNK = 50_000
RUNS = 200
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Result:
    backend: str
    tickets: int
    create_seconds: float
    median_ms: float
    p95_ms: float
    found: int
    uses_index: bool


def ticket_rows(start: int, stop: int, total: int) -> list[dict[str, object]]:
    """Tickets `start`..`stop`-1 of `total`: the last ACTIVE are active, DUE_NOW of them due."""
    rows = []
    first_active = total - ACTIVE
    for n in range(start, stop):
        active = n >= first_active
        opened = NOW - timedelta(days=30) + timedelta(seconds=n % 2_000_000)
        rank = n - first_active
        next_alert = None
        if active:
            # DUE_NOW already due, the rest spread over the coming week.
            ahead = timedelta(minutes=-rank) if rank < DUE_NOW else timedelta(minutes=5 * rank)
            next_alert = NOW + ahead
        rows.append(
            {
                "number": f"K-{n + 1:07d}",
                "customer_id": 1,
                "type": "repair",
                "status": "open" if active else "closed",
                "priority": "normal",
                "warranty": "unknown",
                "details": {},
                "created_at": opened,
                "updated_at": opened,
                "closed_at": None if active else opened + timedelta(days=1),
                "first_response_due_at": next_alert,
                "next_alert_at": next_alert,
                "sla_version": 1 if active else 3,
            }
        )
    return rows


async def fill(db: Database, total: int) -> float:
    began = time.perf_counter()
    async with db.unit_of_work() as session:
        await session.execute(
            insert(Customer).values(
                id=1, telegram_id=1, language="en", created_at=NOW, updated_at=NOW
            )
        )
    for start in range(0, total, CHUNK):
        rows = ticket_rows(start, min(start + CHUNK, total), total)
        async with db.unit_of_work() as session:
            await session.execute(insert(Ticket), rows)
    async with db.unit_of_work() as session:
        if db.dialect == "postgresql":
            await session.execute(text("ANALYZE tickets"))
        else:
            await session.execute(text("ANALYZE"))
    return time.perf_counter() - began


async def time_query(db: Database) -> tuple[list[float], int, str]:
    query = sla_store.alert_due_query(NOW, limit=100)
    timings = []
    found = 0
    async with db.read_only() as session:
        for _ in range(RUNS):
            began = time.perf_counter()
            found = len((await session.execute(query)).all())
            timings.append((time.perf_counter() - began) * 1000)
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        explain = "EXPLAIN QUERY PLAN" if db.dialect == "sqlite" else "EXPLAIN"
        plan = " ".join(
            str(row[-1]) for row in await session.execute(text(f"{explain} {compiled}"))
        )
    return timings, found, plan


async def measure(backend: str, url: str, total: int) -> Result:
    await migrate.upgrade(url)
    db = Database(url)
    try:
        created = await fill(db, total)
        timings, found, plan = await time_query(db)
    finally:
        await db.dispose()
    timings.sort()
    return Result(
        backend,
        total,
        created,
        statistics.median(timings),
        timings[int(len(timings) * 0.95) - 1],
        found,
        "ix_tickets_next_alert_at" in plan,
    )


@asynccontextmanager
async def sqlite_database(scratch: Path, total: int) -> AsyncIterator[str]:
    yield f"sqlite+aiosqlite:///{scratch / f'sla-{total}.db'}"


@asynccontextmanager
async def postgres_database(server: str) -> AsyncIterator[str]:
    name = f"kefu_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(server, timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        yield f"{base}/{name}"
    finally:
        connection = await asyncpg.connect(server, timeout=5)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


async def postgres_reachable(server: str) -> bool:
    try:
        connection = await asyncpg.connect(server, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


def report(result: Result) -> None:
    print(
        f"{result.backend:<10} {result.tickets:>9,} tickets"
        f"  created in {result.create_seconds:6.1f} s"
        f"  scan {result.median_ms:6.3f} ms median, {result.p95_ms:6.3f} ms p95"
        f"  ({result.found} due, index {'used' if result.uses_index else 'NOT used'})",
        flush=True,
    )


async def main(sizes: list[int], postgres: str | None) -> None:
    print(f"{ACTIVE:,} active tickets ({DUE_NOW} due) in every database; the rest closed.")
    with tempfile.TemporaryDirectory() as scratch:
        for total in sizes:
            async with sqlite_database(Path(scratch), total) as url:
                report(await measure("sqlite", url, total))
    if postgres and await postgres_reachable(postgres):
        for total in sizes:
            async with postgres_database(postgres) as url:
                report(await measure("postgresql", url, total))
    elif postgres:
        print(f"PostgreSQL not reachable at {postgres}: skipped")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.sla_scan", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="server to create a scratch database on ('' to skip)",
    )
    arguments = parser.parse_args()
    asyncio.run(main(arguments.sizes, arguments.postgres or None))
