"""Bound beyond loopback, the sandbox warns loudly: its control API lets anyone act as anyone."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import pytest

from sandbox.server import is_loopback, start_sandbox

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        (None, False),
        ("192.168.1.20", False),
        ("kefu-demo.example", False),
    ],
)
def test_what_counts_as_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


async def test_binding_every_interface_logs_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="sandbox"):
        running = await start_sandbox("0.0.0.0", 0)
        await running.stop()
    (record,) = [r for r in caplog.records if r.name == "sandbox.server"]
    assert record.levelno == logging.WARNING
    assert f"0.0.0.0:{running.port}" in record.getMessage()
    assert "anyone who can reach this port can write and press buttons as any user" in (
        record.getMessage()
    )


async def test_loopback_stays_quiet(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="sandbox"):
        running = await start_sandbox("127.0.0.1", 0)
        await running.stop()
    assert [r for r in caplog.records if r.name == "sandbox.server"] == []


async def run_command_line(host: str) -> tuple[str, str]:
    """Starts `python -m sandbox --host HOST --port 0`, waits until it serves, stops it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--host", host, "--port", "0",
        cwd=PROJECT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    try:
        first_line = await asyncio.wait_for(process.stdout.readline(), 20)
        assert b"Kefu sandbox: Bot API at" in first_line
    finally:
        process.terminate()
        stdout, stderr = await asyncio.wait_for(process.communicate(), 20)
    return (first_line + stdout).decode(), stderr.decode()


async def test_the_command_line_warns_on_stderr_for_0_0_0_0() -> None:
    _, stderr = await run_command_line("0.0.0.0")
    assert "WARNING:sandbox.server:THE KEFU SANDBOX IS LISTENING ON 0.0.0.0:" in stderr
    assert "control API (/sandbox/api)" in stderr


async def test_the_command_line_is_quiet_on_loopback() -> None:
    _, stderr = await run_command_line("127.0.0.1")
    assert "WARNING" not in stderr
