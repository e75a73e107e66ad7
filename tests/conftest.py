"""Fixtures for end-to-end tests: the sandbox, the real Kefu bot polling it, and a cast of users.

Every test gets a fresh sandbox, a fresh SQLite file and a bot started from scratch, so tests
cannot leak into one another. `kefu_bot.restart()` stops and starts the bot on the same database,
as a redeploy would.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.bootstrap import build_services
from bot.clock import ShiftedClock
from bot.config import Settings
from bot.runner import Webhook, run_polling, run_webhook
from bot.services import Kefu
from bot.web import WEBHOOK_PATH
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox, start_sandbox
from tests.migrated import postgres_copy, postgres_template, sqlite_copy, sqlite_template

TOKEN = "7000000001:TEST-TOKEN-FOR-KEFU"
WEBHOOK_SECRET = "kefu-test-webhook-secret"
# KEFU_E2E_MODE=webhook runs every end-to-end test with Kefu taking updates by webhook.
E2E_MODE = os.environ.get("KEFU_E2E_MODE", "polling")
STAFF_CHAT_ID = -1001000000001
OTHER_GROUP_ID = -1001000000099


@dataclass(frozen=True)
class Person:
    id: int
    first_name: str
    username: str
    language_code: str


ALICE = Person(1001, "Alice", "alice_w", "en")
WANG = Person(1002, "王芳", "wangfang", "zh-hans")
CHEN = Person(1003, "陳美玲", "meiling", "zh-hant")
LI_WEI = Person(2001, "Li Wei", "liwei_support", "en")
AMY = Person(3001, "Amy", "amy_admin", "en")
MALLORY = Person(9001, "Mallory", "mallory", "en")  # not staff, not admin


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox(default_bot_token=TOKEN)
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def client(sandbox: RunningSandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.base_url) as sandbox_client:
        yield sandbox_client


async def _person(client: SandboxClient, person: Person) -> SandboxUser:
    return await client.create_user(
        person.id, person.first_name, username=person.username, language_code=person.language_code
    )


@pytest.fixture
async def alice(client: SandboxClient) -> SandboxUser:
    return await _person(client, ALICE)


@pytest.fixture
async def wang(client: SandboxClient) -> SandboxUser:
    return await _person(client, WANG)


@pytest.fixture
async def chen(client: SandboxClient) -> SandboxUser:
    return await _person(client, CHEN)


@pytest.fixture
def customers(alice: SandboxUser, wang: SandboxUser, chen: SandboxUser) -> dict[str, SandboxUser]:
    """The three customers by name, for tests parametrised over languages."""
    return {"alice": alice, "wang": wang, "chen": chen}


@pytest.fixture
async def mallory(client: SandboxClient) -> SandboxUser:
    return await _person(client, MALLORY)


@pytest.fixture
async def staff_member(client: SandboxClient) -> SandboxUser:
    return await _person(client, LI_WEI)


@pytest.fixture
async def admin(client: SandboxClient) -> SandboxUser:
    return await _person(client, AMY)


@pytest.fixture
async def staff_chat(client: SandboxClient, staff_member: SandboxUser, admin: SandboxUser) -> dict:
    return await client.create_group(
        STAFF_CHAT_ID,
        "Kefu Staff Desk",
        is_forum=True,
        members=[staff_member.id, admin.id],
        admins=[admin.id],
    )


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sqlite_template(tmp_path_factory.mktemp("migrated"))


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str | None]:
    yield from postgres_template()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Which databases a test runs on: SQLite always; PostgreSQL too where the test is marked
    `both_databases` (what it checks rests on the database: transactions, locks, erasure,
    the outbox), and everywhere with KEFU_SLOW_TESTS=1. Flows and wording behave the same on
    either; the storage tests run every query on both."""
    chosen = any(
        marker.args and marker.args[0] == "database_url"
        for marker in metafunc.definition.iter_markers("parametrize")
    )
    if "database_url" not in metafunc.fixturenames or chosen:
        return
    both = (
        metafunc.definition.get_closest_marker("both_databases") is not None
        or os.environ.get("KEFU_SLOW_TESTS") == "1"
    )
    metafunc.parametrize(
        "database_url", ["sqlite", "postgresql"] if both else ["sqlite"], indirect=True
    )


@pytest.fixture
async def database_url(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    migrated_sqlite: Path,
    migrated_postgres: str | None,
) -> AsyncIterator[str]:
    """A fresh database for the test: a SQLite file or a PostgreSQL database, each a copy of
    one migrated at the start of the session (`tests.migrated`)."""
    if request.param == "sqlite":
        yield sqlite_copy(migrated_sqlite, tmp_path)
        return
    async for url in postgres_copy(migrated_postgres):
        yield url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        staff_chat_id=STAFF_CHAT_ID,
        admin_ids=[AMY.id],
        timezone="Asia/Shanghai",
    )


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


# Scripted customers act far faster than people: their fair-use share is opened up, except in
# tests marked `fair_use`, which meet the configured one.
SCRIPTED_SHARE = {"per_minute": 60_000.0, "burst": 10_000}


class RunningBot:
    """The real Kefu Application polling the sandbox, startable and stoppable like a process."""

    def __init__(
        self,
        settings: Settings,
        clock: ShiftedClock,
        sandbox: RunningSandbox,
        *,
        configured_share: bool = False,
        mode: str = "polling",
    ) -> None:
        self.settings, self.clock, self.sandbox = settings, clock, sandbox
        self.configured_share = configured_share
        self.mode = mode  # "polling", or "webhook": the sandbox posts each update to Kefu
        if mode == "webhook":
            self.settings = settings.model_copy(update={"listen": f"127.0.0.1:{free_port()}"})
        self.kefu: Kefu | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.kefu = await build_services(self.settings, clock=self.clock)
        if not self.configured_share:
            config = self.kefu.config
            share = config.fair_use.model_copy(update=SCRIPTED_SHARE)
            self.kefu.config = config.model_copy(update={"fair_use": share})
        if self.settings.config is None:
            # The shipped schedule would send the admin last week's and month's reports at
            # start-up, into chats tests read; scheduled reports have tests of their own.
            config = self.kefu.config
            reports = config.reports.model_copy(update={"scheduled": []})
            self.kefu.config = config.model_copy(update={"reports": reports})
        self._stop, ready = asyncio.Event(), asyncio.Event()
        urls = {
            "base_url": f"{self.sandbox.base_url}/bot",
            "base_file_url": f"{self.sandbox.base_url}/file/bot",
        }
        if self.mode == "webhook":
            running = run_webhook(self.kefu, TOKEN, self._stop, self.webhook, **urls, ready=ready)
        else:
            running = run_polling(
                self.kefu, TOKEN, self._stop, **urls, poll_timeout=1, ready=ready
            )
        self._task = asyncio.create_task(running)
        # The sandbox queues updates until the bot polls, so "started" is ready enough.
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({waiter, self._task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            self._task.result()  # start-up failed: raise its error here
        assert ready.is_set(), "the bot did not start within 30 s"

    @property
    def webhook(self) -> Webhook:
        host, port = self.settings.listen_address
        return Webhook(f"http://{host}:{port}{WEBHOOK_PATH}", WEBHOOK_SECRET, max_connections=40)

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stop.set()
        await asyncio.wait_for(self._task, 15)
        self._task = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
async def kefu_bot(
    request: pytest.FixtureRequest,
    sandbox: RunningSandbox,
    settings: Settings,
    clock: ShiftedClock,
    staff_chat: dict,
) -> AsyncIterator[RunningBot]:
    configured = request.node.get_closest_marker("fair_use") is not None
    bot = RunningBot(settings, clock, sandbox, configured_share=configured, mode=E2E_MODE)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
def kefu(kefu_bot: RunningBot) -> Kefu:
    assert kefu_bot.kefu is not None
    return kefu_bot.kefu


async def accept_privacy(user: SandboxUser) -> None:
    """First contact: /start shows the privacy notice; the customer accepts it (any language)."""
    await user.send("/start")
    notice = await user.chat.wait_for_bot_message()
    accept = next(
        button["text"]
        for row in notice["reply_markup"]["inline_keyboard"]
        for button in row
        if button.get("callback_data") == "privacy:accept"
    )
    await user.press(accept)
    await user.chat.wait_for_bot_message()  # the welcome with the main menu


def free_port() -> int:
    """A TCP port nobody listens on now (for a server that must know its address first)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
