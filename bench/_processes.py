"""What the benches that run bots and the sandbox as processes of their own share (a helper,
not a bench: `tests/test_bench_smoke.py` runs every `bench/*.py` but those named `_*`)."""

from __future__ import annotations

import asyncio
import contextlib
import socket

from sandbox.client import SandboxClient


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def until_up(client: SandboxClient) -> None:
    """Return once the sandbox process answers its control API."""
    for _ in range(200):
        with contextlib.suppress(OSError, Exception):
            await client.events()
            return
        await asyncio.sleep(0.05)  # the sandbox process is starting
    raise RuntimeError("the sandbox did not start")
