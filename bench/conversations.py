"""Conversation throughput: many customers talking to Kefu at once, through the sandbox.

    python -m bench.conversations --customers 200
    python -m bench.conversations --customers 200 --slow 5     # 5 of them hit a hung reply

Kefu runs as a real process (`python -m bot run` against the in-process sandbox, flood limits
and Kefu's own pacing off, so the figures are Kefu's, not Telegram's limits). Every customer
sends /start, accepts the privacy notice and asks for /help: three updates each, the first
two writing to the database. `--slow N` makes the first N replies hang until the client's
timeout (a Telegram call that never answers), to show whether one stuck conversation holds up
the others. Printed: updates handled per second, the latency from a customer's message to
Kefu's answer (median, 95th percentile, worst), and the peak RSS of the Kefu process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import start_sandbox

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "7000000004:CONVERSATION-BENCH"
FIRST_ID = 800_000


async def _converse(user: SandboxUser) -> list[float]:
    """One customer's three steps; the seconds each answer took."""
    latencies = []
    notice: dict = {}
    # A hung reply brings an apology, or nothing at all: try again, as people do.
    while "reply_markup" not in notice:
        started = time.monotonic()
        await user.send("/start")
        with contextlib.suppress(AssertionError):
            notice = await user.chat.wait_for_bot_message(timeout=20)
        latencies.append(time.monotonic() - started)
    accept = notice["reply_markup"]["inline_keyboard"][0][0]["text"]
    started = time.monotonic()
    await user.press(accept, timeout=120)
    await user.chat.wait_for_bot_message(timeout=120)
    latencies.append(time.monotonic() - started)
    started = time.monotonic()
    await user.send("/help")
    await user.chat.wait_for_bot_message(timeout=120)
    latencies.append(time.monotonic() - started)
    return latencies


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def run(customers: int, slow: int) -> None:
    sandbox = await start_sandbox(default_bot_token=TOKEN, flood_limits=False)
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("KEFU_")},
            "KEFU_BOT_TOKEN": TOKEN,
            "KEFU_API_URL": sandbox.base_url,
            "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/kefu.db",
            "KEFU_RATE_LIMIT": "false",
            "KEFU_LOG_LEVEL": "WARNING",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env=env
        )
        try:
            async with SandboxClient(sandbox.base_url) as client:
                users = [
                    await client.create_user(FIRST_ID + i, f"Customer {i}", language_code="en")
                    for i in range(customers)
                ]
                await users[0].send("/help")  # warm up: wait until Kefu answers at all
                await users[0].chat.wait_for_bot_message(timeout=60)
                if slow:
                    await client.add_fault("sendMessage", "hang", count=slow, hang_seconds=30)
                started = time.monotonic()
                results = await asyncio.gather(*(_converse(user) for user in users))
                elapsed = time.monotonic() - started
            latencies = sorted(x for steps in results for x in steps)
            updates = 3 * customers
            print(f"customers: {customers}, hung replies: {slow}")
            print(f"updates handled: {updates} in {elapsed:.1f} s = {updates / elapsed:.1f}/s")
            print(
                f"latency: median {statistics.median(latencies) * 1000:.0f} ms, "
                f"p95 {latencies[int(0.95 * len(latencies)) - 1] * 1000:.0f} ms, "
                f"worst {latencies[-1] * 1000:.0f} ms"
            )
            print(f"peak RSS of the Kefu process: {_peak_rss_mb(process.pid):.0f} MB")
        finally:
            process.terminate()
            await process.wait()
            await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--slow", type=int, default=0, help="replies that hang (client timeout)")
    args = parser.parse_args()
    asyncio.run(run(args.customers, args.slow))


if __name__ == "__main__":
    main()
