"""SQLite statements in one trip to aiosqlite's thread.

aiosqlite runs every call on its sqlite3 connection in a thread of its own, and SQLAlchemy's
adapter makes four such calls for each statement: open a cursor, execute, fetch the rows and
close the cursor. Each call is a hand-off to that thread and a wake-up of the event loop when it
is done, and under load those hand-offs cost more of the loop's time than SQLite itself
(docs/benchmarks.md). Here a statement, its rows and its cursor's closing are one call, and the
cursor SQLAlchemy holds is only what came back: the rows, `description`, `rowcount` and
`lastrowid`.

Server-side cursors (`stream`) keep aiosqlite's own. This reaches into aiosqlite as SQLAlchemy's
own adapter does (`Connection._execute`, `_conn`, `_thread`), so an aiosqlite upgrade may break it:
`tests/storage/test_sqlite_trips.py` checks what SQLAlchemy reads from the cursor and counts the
trips, and every other SQLite test runs its statements through it.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

Outcome = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def _execute(connection: sqlite3.Connection, operation: str, parameters: Any) -> Outcome:
    """In aiosqlite's thread: the whole statement, rows and all."""
    cursor = connection.cursor()
    try:
        cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _execute_many(connection: sqlite3.Connection, operation: str, parameters: Any) -> Outcome:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return cursor.description, cursor.rowcount, cursor.lastrowid, []
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, but with nothing open in the thread between calls."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]  # nothing to close
        self._soft_closed_memoized = {}
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        """The rows are here already; nothing is open in the thread."""

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        """sqlite3 takes no input sizes."""

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            return await_(self._trip(_execute, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            return await_(self._trip(_execute_many, operation, seq_of_parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _trip(self, run: Any, operation: Any, parameters: Any) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            outcome: Outcome = await connection._execute(
                run, connection._conn, operation, parameters
            )
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """What `create_async_engine(module=...)` takes in place of the aiosqlite dialect's own."""

    def __init__(self) -> None:
        super().__init__(aiosqlite, sqlite3)

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        connection = aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True  # as SQLAlchemy's adapter: no hung query holds exit
        try:
            opened = await_(connection)
        except BaseException:
            # aiosqlite queues its thread's stop without waiting for it: waited for here, or
            # the thread reports to an event loop that may be closed by then, and prints
            # "Exception in thread" under the plain "cannot open" a misconfigured start gives.
            await_(asyncio.to_thread(connection._thread.join))
            raise
        return OneTripConnection(self, opened)
