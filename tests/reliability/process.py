"""Kefu as a real subprocess (`python -m bot run`) against an in-process sandbox, for kill -9
tests, on SQLite or PostgreSQL (the `database_url` fixture of tests/conftest.py gives each test
a fresh one of either).

The sandbox runs in the test's event loop, so a test sees each message the moment Kefu's call
reaches the sandbox, before Kefu has its answer: a kill sent then lands between a send and
whatever Kefu does after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]


class KefuProcess:
    """One Kefu deployment: started, SIGKILLed and started again on the same database."""

    def __init__(
        self, api_url: str, database_url: str, log: Path, *, webhook: bool = False, **env: str
    ) -> None:
        self.api_url = api_url
        # By webhook (KEFU_WEBHOOK_* and KEFU_LISTEN in `env`), or polling.
        self.args = ["run", "--webhook"] if webhook else ["run"]
        self.database_url = database_url
        self.log = log  # the bot's stdout and stderr, every run appended, for a failing test
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
        self.env = {
            **clean,
            "KEFU_BOT_TOKEN": TOKEN,
            "KEFU_API_URL": api_url,
            "KEFU_DATABASE_URL": database_url,
            "KEFU_LOG_LEVEL": "WARNING",
            "KEFU_RATE_LIMIT": "false",
            **env,
        }
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self._running_before = 0
        self._engine: AsyncEngine | None = None

    async def start(self, *, clock_offset: float = 0.0) -> None:
        """Start Kefu, its clock `clock_offset` seconds ahead of the real one."""
        env = {**self.env, "KEFU_CLOCK_OFFSET_SECONDS": f"{clock_offset:.3f}"}
        self._running_before = await self._runs_so_far()
        self.starts += 1
        with self.log.open("ab") as log:
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
            log.write(f"--- start {self.starts} at {stamp}\n".encode())
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", *self.args, cwd=ROOT, env=env, stdout=log, stderr=log
            )

    async def kill(self) -> None:
        """SIGKILL: no clean-up runs, as when a machine loses power."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        with self.log.open("ab") as log:
            stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
            log.write(f"--- killed at {stamp}\n".encode())

    async def ready(self, timeout: float = 30) -> None:
        """Wait until the last start is up: its signal handlers are installed and it polls."""

        async def started() -> bool:
            return await self._runs_so_far() > self._running_before

        await self.until(started, timeout, "Kefu starts polling")

    async def _runs_so_far(self) -> int:
        """How often a Kefu has begun taking updates: each start by polling first drops any
        webhook, each start by webhook sets it."""
        method = "setWebhook" if "--webhook" in self.args else "deleteWebhook"
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{self.api_url}/sandbox/api/calls", params={"method": method}
            ) as response,
        ):
            return len((await response.json())["calls"])

    async def stop(self) -> int | None:
        """SIGTERM and wait for a clean exit; its code (None if Kefu was not running)."""
        if self.process is None or self.process.returncode is not None:
            return None
        await self.ready()  # a SIGTERM earlier would find Python's default handler
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            await self.kill()
            raise

    async def close(self) -> None:
        """Stop Kefu if it runs and let go of the database (the fixture may drop it)."""
        if self.process is not None and self.process.returncode is None:
            await self.kill()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def runs_for(self, seconds: float) -> None:
        """Let the process work for `seconds`; it must not exit on its own meanwhile."""
        assert self.process is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.process.wait(), seconds)
        assert self.process.returncode is None, f"Kefu exited; see its log:\n{self.tail()}"

    async def until(self, check: Callable[[], Awaitable[Any]], timeout: float, what: str) -> Any:
        """Re-check `check` every 0.1 s until it returns something truthy, while Kefu runs."""
        try:
            async with asyncio.timeout(timeout):
                while not (result := await check()):
                    await self.runs_for(0.1)
                return result
        except TimeoutError:
            raise AssertionError(
                f"not within {timeout} s: {what}; Kefu's log:\n{self.tail()}"
            ) from None

    async def query(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        """Rows of `sql` in Kefu's database, read beside the running process."""
        if self._engine is None:
            self._engine = create_engine(self.database_url)
        async with self._engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(text(sql), params)]

    async def scalar(self, sql: str, **params: Any) -> Any:
        rows = await self.query(sql, **params)
        return rows[0][0] if rows else None

    async def inbox_drained(self) -> bool:
        """Every stored update has been handled."""
        unhandled = "SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL"
        return await self.scalar(unhandled) == 0

    def tail(self, size: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else "(empty)"

    def log_lines(self, fragment: str) -> list[str]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if fragment in line]


async def wait_for(condition: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
    """Polls `condition` (sync or async) until it returns something truthy."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = condition()
                if asyncio.iscoroutine(result):
                    result = await result
                if result:
                    return result
                await asyncio.sleep(0.05)  # a polling interval, not a synchronisation guess
    except TimeoutError:
        raise AssertionError(f"not within {timeout} s: {what}") from None


async def telegram_holds_nothing(base_url: str) -> bool:
    """True once every update has been confirmed by a poll (Telegram would not resend it)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url}/bot{TOKEN}/getWebhookInfo") as response,
    ):
        info = await response.json()
    return info["result"]["pending_update_count"] == 0
