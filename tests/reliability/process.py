"""Kefu as a real subprocess against an in-process sandbox, for kill -9 tests."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    def __init__(self, api_url: str, token: str, database: Path, **env: str) -> None:
        self.database = database
        self.log = database.with_suffix(".log")  # the bot's stderr, kept for a failing test
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
        self.env = {
            **clean,
            "KEFU_BOT_TOKEN": token,
            "KEFU_API_URL": api_url,
            "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    def kill(self) -> None:
        """SIGKILL: no clean-up runs, as when a machine loses power."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database) as connection:
            return connection.execute(sql, args).fetchall()


async def wait_for(condition: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
    """Polls `condition` (sync or async) until it returns something truthy."""
    async with asyncio.timeout(timeout):
        while True:
            result = condition()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
            await asyncio.sleep(0.05)  # a polling interval, not a synchronisation guess


async def telegram_holds_nothing(base_url: str, token: str) -> bool:
    """True once every update has been confirmed by a poll (Telegram would not resend it)."""
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{base_url}/bot{token}/getWebhookInfo") as response,
    ):
        info = await response.json()
    return info["result"]["pending_update_count"] == 0
