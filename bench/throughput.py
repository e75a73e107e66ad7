"""Kefu's throughput beside a bare python-telegram-bot bot's, on the same sandbox, same driver.

    python -m bench.throughput                                  # 100 customers, SQLite, polling
    python -m bench.throughput --customers 10,100,1000 --databases sqlite,postgresql \\
        --modes polling,webhook --rounds 3

Each round starts the sandbox as its own process (flood limits off: the figures are the bots'),
then one bot as its own process: Kefu (`python -m bot run`, its own pacing off) or the
baseline (`bench.baseline.bare_ptb`: PTB answering every text, no database). Rounds alternate
between the two, so both see the same machine. The driver (this process) plays N customers at
once; each sends 6 updates (`--steps`) and waits for each answer: to Kefu `/start`, the privacy
notice's Accept, then `/help` four times; to the baseline 6 texts.

Printed per round: updates/s, latency from a customer's update to the bot's answer (median, p95,
p99), the bot's CPU time per update (user + system, from /proc), its peak RSS, its cold start
(process start to the first answered update, an empty database migrated first for Kefu) and
its restart (the same, started again on that database, as after a deploy). Then, per setting,
the medians of the rounds and Kefu's ratios to the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench._processes import ROOT, compile_ahead, free_port, until_up
from sandbox.client import SandboxClient, SandboxUser

TOKEN = "7000000005:THROUGHPUT-BENCH"
FIRST_ID = 900_000
STEPS = 6
POSTGRES = os.environ.get("KEFU_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def generous_fair_use(folder: Path, steps: int) -> Path:
    """The shipped configuration, with a fair-use bucket no driven customer empties.

    The driver's customers write as fast as Kefu answers, which no person does: at 26 steps
    a customer passes the shipped burst of 20 and is told to wait, and the round stalls. The
    bucket is still checked on every update, as in production; it just never runs dry."""
    shipped = (ROOT / "bot" / "default_config.toml").read_text(encoding="utf-8")
    roomy = re.sub(r"(?m)^burst = \d+", f"burst = {steps + 10}", shipped)
    roomy = re.sub(r"(?m)^per_minute = \d+", "per_minute = 100000", roomy)
    path = folder / "bench-config.toml"
    path.write_text(roomy, encoding="utf-8")
    return path


@dataclass
class Result:
    bot: str
    updates_per_second: float
    median_ms: float
    p95_ms: float
    p99_ms: float
    cpu_ms_per_update: float
    peak_rss_mb: float
    cold_start_s: float  # a first start: an empty database, migrated
    restart_s: float  # started again on that database
    # p95 of each customer's first step, second step and the rest (Kefu: /start, Accept, /help)
    p95_by_step_ms: tuple[float, float, float]
    # The other two processes on the same cores: the sandbox (Telegram's side: a bot that makes
    # more or bigger calls costs it more) and this driver, CPU per update while driven.
    sandbox_cpu_ms_per_update: float = float("nan")
    driver_cpu_ms_per_update: float = float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    """Nearest rank; NaN for no values (`--steps 2` has no step after the second)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(step: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await step()
    return time.perf_counter() - started


async def kefu_customer(user: SandboxUser, steps: int) -> list[float]:
    async def say(text: str) -> None:
        await user.send(text)
        await user.chat.wait_for_bot_message(timeout=120)

    async def accept() -> None:
        # Timed to the welcome, not to the press's answer: with a backlog longer than the 15 s
        # Telegram (and the sandbox) give a callback query, the answer is refused as too old,
        # and waiting for it timed every such press at the driver's 120 s.
        await user.press("Accept", timeout=0)
        await user.chat.wait_for_bot_message(timeout=120)

    return [
        await timed(lambda: say("/start")),
        await timed(accept),
        *[await timed(lambda: say("/help")) for _ in range(steps - 2)],
    ]


async def bare_customer(user: SandboxUser, steps: int) -> list[float]:
    async def say(text: str) -> None:
        await user.send(text)
        await user.chat.wait_for_bot_message(timeout=120)

    return [await timed(lambda n=n: say(f"message {n}")) for n in range(steps)]


@contextlib.asynccontextmanager
async def database(kind: str, folder: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder}/kefu-{uuid.uuid4().hex[:6]}.db"
        return
    name = f"kefu_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    server = POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{server}/{name}"
    finally:
        connection = await asyncpg.connect(POSTGRES)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def bot_command(bot: str, api_url: str, mode: str, port: int) -> list[str]:
    if bot == "kefu":
        return [sys.executable, "-m", "bot", "run", *(["--webhook"] if mode == "webhook" else [])]
    hook = ["--webhook", str(port)] if mode == "webhook" else []
    transport = ["--transport", "aiohttp"] if bot == "bare-aiohttp" else []
    return [
        sys.executable,
        "-m",
        "bench.baseline.bare_ptb",
        "--api-url",
        api_url,
        "--token",
        TOKEN,
        *hook,
        *transport,
    ]


@contextlib.asynccontextmanager
async def profiled(pid: int, output: Path | None) -> AsyncIterator[None]:
    """py-spy sampling process `pid` (its threads, native frames left out) while the block
    runs, writing collapsed stacks to `output`; nothing if `output` is None."""
    if output is None:
        yield
        return
    beside = Path(sys.executable).with_name("py-spy")  # installed in the same virtualenv
    spy = await asyncio.create_subprocess_exec(
        str(beside) if beside.exists() else "py-spy", "record", "--pid", str(pid),
        "--format", "raw", "--rate", "250", "--output", str(output), "--nonblocking",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
        await spy.wait()


async def one_round(
    bot: str,
    customers: int,
    database_kind: str,
    mode: str,
    folder: Path,
    profile: Path | None = None,
    steps: int = STEPS,
) -> Result:
    sandbox_port, bot_port = free_port(), free_port()
    api_url = f"http://127.0.0.1:{sandbox_port}"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox", "--port", str(sandbox_port), "--no-flood-limits",
        "--default-bot-token", TOKEN,
        "--log-level", "WARNING", cwd=ROOT, env=clean,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with (
            database(database_kind, folder) as url,
            SandboxClient(api_url, connections=customers + 10) as client,
        ):
            await until_up(client)
            env = {
                **clean,
                "KEFU_BOT_TOKEN": TOKEN,
                "KEFU_API_URL": api_url,
                "KEFU_DATABASE_URL": url,
                "KEFU_RATE_LIMIT": "false",
                "KEFU_LOG_LEVEL": "WARNING",
                "KEFU_CONFIG": str(generous_fair_use(folder, steps)),
            }
            if mode == "webhook":
                env |= {
                    "KEFU_WEBHOOK_URL": f"http://127.0.0.1:{bot_port}/telegram/webhook",
                    "KEFU_WEBHOOK_SECRET": "bench-secret",
                    "KEFU_LISTEN": f"127.0.0.1:{bot_port}",
                }
            warm = await client.create_user(FIRST_ID - 1, "Warm-up", language_code="en")
            users = [
                await client.create_user(FIRST_ID + n, f"Customer {n}", language_code="en")
                for n in range(customers)
            ]
            command = bot_command(bot, api_url, mode, bot_port)
            greeting = "/help" if bot == "kefu" else "hello"
            process, cold = await started_and_answering(command, env, warm, greeting)
            try:
                cpu_before, began = cpu_seconds(process.pid), time.perf_counter()
                sandbox_before, driver_before = cpu_seconds(sandbox.pid), time.process_time()
                drive = kefu_customer if bot == "kefu" else bare_customer
                async with profiled(process.pid, profile):
                    per_customer = await asyncio.gather(*(drive(u, steps) for u in users))
                latencies = [x for taken in per_customer for x in taken]
                elapsed = time.perf_counter() - began
                cpu = cpu_seconds(process.pid) - cpu_before
                sandbox_cpu = cpu_seconds(sandbox.pid) - sandbox_before
                driver_cpu = time.process_time() - driver_before
                rss = peak_rss_mb(process.pid)
            finally:
                process.terminate()
                await process.wait()
            # Started again on the same database, migrated now: a restart, as after a deploy.
            process, restart = await started_and_answering(command, env, warm, greeting)
            process.terminate()
            await process.wait()
    finally:
        sandbox.terminate()
        await sandbox.wait()
    updates = customers * steps
    return Result(
        bot,
        updates / elapsed,
        statistics.median(latencies) * 1000,
        percentile(latencies, 0.95) * 1000,
        percentile(latencies, 0.99) * 1000,
        cpu / updates * 1000,
        rss,
        cold,
        restart,
        (
            percentile([taken[0] for taken in per_customer], 0.95) * 1000,
            percentile([taken[1] for taken in per_customer], 0.95) * 1000,
            percentile([x for taken in per_customer for x in taken[2:]], 0.95) * 1000,
        ),
        sandbox_cpu / updates * 1000,
        driver_cpu / updates * 1000,
    )


async def started_and_answering(
    command: list[str], env: dict[str, str], warm: SandboxUser, greeting: str
) -> tuple[asyncio.subprocess.Process, float]:
    """The bot started, and the seconds from its start to its first answer (to `warm`)."""
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env)
    try:
        await warm.send(greeting)
        await warm.chat.wait_for_bot_message(timeout=120)
    except BaseException:
        process.terminate()
        await process.wait()
        raise
    return process, time.perf_counter() - started


def row(result: Result) -> str:
    return (
        f"| {result.bot} | {result.updates_per_second:.0f} | {result.median_ms:.0f} | "
        f"{result.p95_ms:.0f} | {result.p99_ms:.0f} | {result.cpu_ms_per_update:.2f} | "
        f"{result.peak_rss_mb:.0f} | {result.cold_start_s:.2f} | {result.restart_s:.2f} | "
        + " / ".join(f"{ms:.0f}" for ms in result.p95_by_step_ms)
        + f" | {result.sandbox_cpu_ms_per_update:.2f} | {result.driver_cpu_ms_per_update:.2f} |"
    )


async def run(args: argparse.Namespace) -> None:
    header = (
        "| bot | updates/s | median ms | p95 ms | p99 ms | CPU ms/update | peak RSS MB "
        "| cold start s | restart s | p95 ms: 1st / 2nd / other steps "
        "| sandbox CPU ms/update | driver CPU ms/update |"
    )
    compile_ahead()
    with tempfile.TemporaryDirectory() as folder:
        for database_kind in args.databases.split(","):
            for mode in args.modes.split(","):
                for customers in map(int, args.customers.split(",")):
                    print(f"\n### {database_kind}, {mode}, {customers} customers\n")
                    print(header)
                    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
                    bots = [*args.baselines.split(","), "kefu"]
                    results: dict[str, list[Result]] = {bot: [] for bot in bots}
                    for _ in range(args.rounds):
                        for bot in bots:
                            spied = args.py_spy if bot == "kefu" else None
                            result = await one_round(
                                bot,
                                customers,
                                database_kind,
                                mode,
                                Path(folder),
                                spied,
                                args.steps,
                            )
                            results[bot].append(result)
                            print(row(result), flush=True)
                    summary(results)


def summary(results: dict[str, list[Result]]) -> None:
    def median(bot: str, field: str) -> float:
        return statistics.median(getattr(r, field) for r in results[bot])

    def ratio(field: str, baseline: str) -> float:
        # NaN where the baseline measured none: CPU is counted in the kernel's 10 ms ticks, and
        # a round of a dozen updates (the smoke test's) may take less than one.
        below = median(baseline, field)
        return median("kefu", field) / below if below else float("nan")

    for baseline in (bot for bot in results if bot != "kefu"):
        throughput = ratio("updates_per_second", baseline)
        cpu = ratio("cpu_ms_per_update", baseline)
        p95 = ratio("p95_ms", baseline)
        print(
            f"\nmedians of {len(results['kefu'])} rounds against {baseline}: Kefu's throughput "
            f"{throughput:.2f} of the baseline's, its CPU per update {cpu:.2f}x, its p95 "
            f"{p95:.2f}x; cold start Kefu {median('kefu', 'cold_start_s'):.2f} s (restart "
            f"{median('kefu', 'restart_s'):.2f} s), "
            f"baseline {median(baseline, 'cold_start_s'):.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", default="100", help="comma-separated, e.g. 10,100,1000")
    parser.add_argument("--databases", default="sqlite", help="sqlite,postgresql")
    parser.add_argument("--modes", default="polling", help="polling,webhook")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--baselines",
        default="bare",
        help="bare (PTB as installed, on httpx), bare-aiohttp (PTB on Kefu's transport), or both",
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=STEPS,
        help="updates per customer (Kefu: /start, Accept, then /help; default 6)",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        default=None,
        metavar="FILE",
        help="profile Kefu with py-spy while it is driven (collapsed stacks in FILE; slows it)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
