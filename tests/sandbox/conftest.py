"""Fixtures for the sandbox's own tests: a fresh in-process sandbox on a free port per test.

Everything the sandbox answers or delivers during a test is checked at teardown against the
Bot API spec (10.1, plus the fields that 10.2 and 10.3 made required), parsed by PTB with
warnings as errors and validated with aiogram's models (see support.Conformance).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox, start_sandbox
from sandbox.spec import BotApiSpec, load_spec
from sandbox.state import SandboxState
from tests.sandbox.support import TOKEN, BotApi, Conformance


@dataclass
class Harness:
    running: RunningSandbox
    client: SandboxClient
    api: BotApi
    conformance: Conformance

    @property
    def base_url(self) -> str:
        return self.running.base_url

    @property
    def state(self) -> SandboxState:
        return self.running.state


@pytest.fixture(scope="session")
def spec() -> BotApiSpec:
    return load_spec()


@pytest.fixture
async def sandbox(spec: BotApiSpec) -> AsyncIterator[Harness]:
    running = await start_sandbox(
        default_bot_token=TOKEN, webhook_retry_base=0.02, webhook_retry_max=0.2
    )
    conformance = Conformance(spec)
    running.state.taps.append(conformance.tap)
    harness = Harness(
        running, SandboxClient(running.base_url), BotApi(running.base_url), conformance
    )
    try:
        yield harness
    finally:
        await harness.client.close()
        await harness.api.close()
        await running.stop()
    conformance.check()


@pytest.fixture
def client(sandbox: Harness) -> SandboxClient:
    return sandbox.client


@pytest.fixture
def api(sandbox: Harness) -> BotApi:
    return sandbox.api
