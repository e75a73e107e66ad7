"""What the benches that run bots and the sandbox as processes of their own share (a helper,
not a bench: `tests/test_bench_smoke.py` runs every `bench/*.py` but those named `_*`)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
from pathlib import Path

from sandbox.client import SandboxClient

ROOT = Path(__file__).resolve().parents[1]
KEFU_PACKAGES = ("bot", "domain", "handlers", "storage", "sandbox", "bench")


def compile_ahead() -> None:
    """Bytecode and catalogs compiled as `make compiled` (and an installed Kefu) has them, so a
    measured start is Kefu starting, not Python compiling its modules (PYTHONDONTWRITEBYTECODE
    would have every start compile them again)."""
    python = [sys.executable, "-m"]
    subprocess.run([*python, "compileall", "-q", *KEFU_PACKAGES], cwd=ROOT, check=True)
    catalogs = ["-q", "compile", "-D", "kefu", "-d", "locales"]
    subprocess.run([*python, "babel.messages.frontend", *catalogs], cwd=ROOT, check=True)


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
