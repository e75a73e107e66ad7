"""Campaign throughput: N recipients through the sandbox with Telegram's flood limits on.

    python -m bench.campaign --count 10000            # ~6 minutes at 28.65 msg/s
    python -m bench.campaign --count 2000 --kill-at 0 --talkers 5   # customers talking meanwhile
    python -m bench.campaign --count 1000 --kill-at 0.5 --database-url postgresql+asyncpg://...
    python -m bench.campaign --count 1000 --limit 20   # a stricter Telegram: 429s and retries

Kefu runs as a real process (`python -m bot run`, KEFU_API_URL pointing at the sandbox, which
runs as its own process too, with its 30 messages/s limit). Half-way (`--kill-at`) Kefu is
killed with SIGKILL and started again. With `--talkers N`, N customers ask `/help` meanwhile.
Printed: the campaign's sustained send rate against the limit (and, with talkers, every send's,
and how long their answers took), the busiest second, the 429s Telegram (the sandbox)
answered, the peak RSS of the Kefu process, the time from restart to the first new message and
to the end of the campaign, and duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from bench._processes import ROOT, compile_ahead, free_port, until_up
from sandbox.client import SandboxClient, SandboxUser
from storage import campaigns, migrate
from storage.campaigns import Audience
from storage.db import Database
from storage.models import Customer
from storage.survey_models import QUEUED, AudienceKind, CampaignKind, CampaignRecipient, Repeat

TOKEN = "7000000003:CAMPAIGN-BENCH"
FIRST_ID = 1_000_000
TALKER_ID = 900_000  # below the recipients'
PAUSE_SECONDS = 2.5  # between a talker's messages: within their fair-use share, 30 a minute
TELEGRAM_LIMIT = 30


@dataclass
class Run:
    process: asyncio.subprocess.Process
    started: float
    peak_rss_kb: int = 0

    def sample_rss(self) -> None:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.peak_rss_kb = max(self.peak_rss_kb, int(line.split()[1]))


async def prepare(client: SandboxClient, url: str, count: int) -> None:
    await migrate.upgrade(url)
    for start in range(0, count, 200):
        await asyncio.gather(
            *[
                client.create_user(FIRST_ID + n, f"Customer {n}")
                for n in range(start, min(start + 200, count))
            ]
        )
    now = datetime.now(UTC)
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            await session.execute(
                insert(Customer),
                [
                    {
                        "telegram_id": FIRST_ID + n,
                        "language": ("en", "zh_Hans", "zh_Hant")[n % 3],
                        "first_name": "Customer",
                        "consent_at": now,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(count)
                ],
            )
            await campaigns.create(
                session,
                kind=CampaignKind.CSAT,
                texts={"en": {"question": "How satisfied are you with our service?"}},
                audience=Audience(AudienceKind.ALL),
                repeat=Repeat.NONE,
                first_run_at=now,
                created_by=1,
                now=now,
            )
    finally:
        await db.dispose()


class Sandbox:
    """The sandbox as its own process, as Telegram is another machine: the driver's work (this
    process) cannot stall it and so bunch the sends it timestamps. Its call log is read bit by
    bit (`refresh`), each time only what is new."""

    def __init__(self, process: asyncio.subprocess.Process, base_url: str) -> None:
        self.process, self.base_url = process, base_url
        self.sends: list[dict[str, Any]] = []  # sendMessage calls, oldest first
        self._seen = 0

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls) -> AsyncIterator[Sandbox]:
        port = free_port()
        clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sandbox", "--port", str(port),
            "--default-bot-token", TOKEN, "--log-level", "WARNING", cwd=ROOT, env=clean,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            yield cls(process, f"http://127.0.0.1:{port}")
        finally:
            process.terminate()
            await process.wait()

    async def refresh(self, client: SandboxClient) -> None:
        new = await client.calls("sendMessage", after=self._seen)
        if new:
            self._seen = new[-1]["seq"]
            self.sends.extend(new)


async def start_kefu(sandbox: Sandbox, url: str, log: Path) -> Run:
    command = ["-m", "bot", "run"]
    env = {
        **os.environ,
        "KEFU_BOT_TOKEN": TOKEN,
        "KEFU_API_URL": sandbox.base_url,
        "KEFU_DATABASE_URL": url,
        "KEFU_LOG_LEVEL": "WARNING",
    }
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *command, cwd=ROOT, env=env, stdout=output, stderr=output
        )
    return Run(process, time.monotonic())


def is_recipient(call: dict[str, Any]) -> bool:
    return int(call["params"]["chat_id"]) >= FIRST_ID  # talkers' ids are below


def delivered(sandbox: Sandbox) -> int:
    return sum(1 for call in sandbox.sends if call["ok"] and is_recipient(call))


async def talk(client: SandboxClient, count: int, stop: asyncio.Event) -> list[float]:
    """`count` customers who each send /help, wait for the answer, pause and go on
    until `stop`: the seconds each answer took."""
    users = [
        await client.create_user(TALKER_ID + n, f"Talker {n}", language_code="en")
        for n in range(count)
    ]
    took: list[float] = []

    async def one(user: SandboxUser) -> None:
        while not stop.is_set():
            began = time.perf_counter()
            await user.send("/help")
            await user.chat.wait_for_text("How Kefu works", timeout=120)
            took.append(time.perf_counter() - began)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), PAUSE_SECONDS)  # a person's pause

    await asyncio.gather(*map(one, users))
    return took


async def queued(url: str) -> int:
    db = Database(url)
    try:
        async with db.read_only() as session:
            query = select(func.count()).where(CampaignRecipient.status.in_(QUEUED))
            return int(await session.scalar(query) or 0)
    finally:
        await db.dispose()


async def watch(run: Run, until: Any, timeout: float) -> None:
    """Sample the process's memory until `until()` is true."""
    deadline = time.monotonic() + timeout
    while not await until():
        run.sample_rss()
        if run.process.returncode is not None:
            raise RuntimeError(f"Kefu exited with {run.process.returncode}; see the log")
        if time.monotonic() > deadline:
            raise TimeoutError("the campaign did not finish in time")
        await asyncio.sleep(0.25)
    run.sample_rss()


def busiest_second(times: list[float]) -> int:
    best, start = 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


async def bench(
    count: int,
    kill_at: float,
    url: str,
    log: Path,
    limit: float = TELEGRAM_LIMIT,
    talkers: int = 0,
) -> dict[str, Any]:
    stop_talking = asyncio.Event()
    talking: asyncio.Task[list[float]] | None = None
    async with contextlib.AsyncExitStack() as stack:
        sandbox = await stack.enter_async_context(Sandbox.running())
        client = await stack.enter_async_context(SandboxClient(sandbox.base_url))
        stack.callback(stop_talking.set)  # the talkers stop before the client closes
        await until_up(client)
        await client.set_limits(per_second=limit)
        await prepare(client, url, count)
        first = await start_kefu(sandbox, url, log)
        if talkers:
            talking = asyncio.create_task(talk(client, talkers, stop_talking))
        kill_after = int(count * kill_at) if 0 < kill_at < 1 else None

        async def reached_kill_point() -> bool:
            await sandbox.refresh(client)
            return kill_after is not None and delivered(sandbox) >= kill_after

        async def finished() -> bool:
            await sandbox.refresh(client)
            return delivered(sandbox) >= count and await queued(url) == 0

        await watch(first, reached_kill_point if kill_after else finished, count / 5 + 120)
        runs, resume, killed_at = [first], None, None
        if kill_after is not None:
            first.process.send_signal(signal.SIGKILL)
            await first.process.wait()
            killed_at, sent_at_kill = time.time(), delivered(sandbox)
            second = await start_kefu(sandbox, url, log)
            runs.append(second)

            async def resumed() -> bool:
                await sandbox.refresh(client)
                return delivered(sandbox) > sent_at_kill

            await watch(second, resumed, 120)
            resume = time.time() - killed_at
            await watch(second, finished, count / 5 + 120)
        ended = time.time()
        stop_talking.set()
        answers = await talking if talking is not None else []
        last = runs[-1].process
        last.send_signal(signal.SIGTERM)
        await asyncio.wait_for(last.wait(), 30)
        await sandbox.refresh(client)
        calls = sandbox.sends
    ok_times = [call["time"] for call in calls if call["ok"] and is_recipient(call)]
    all_ok_times = [call["time"] for call in calls if call["ok"] and call["time"] <= ended]
    per_chat = Counter(
        int(call["params"]["chat_id"]) for call in calls if call["ok"] and is_recipient(call)
    )
    # Each process's sends, without the first and last tenth (start-up, the tail, the kill).
    segments = [[t for t in ok_times if killed_at is None or t < killed_at]]
    if killed_at is not None:
        segments.append([t for t in ok_times if t >= killed_at])
    steady = [seg[len(seg) // 10 : len(seg) * 9 // 10] for seg in segments]
    # Everything sent while the campaign ran (answers to talkers too), in its steady part.
    during = [t for t in all_ok_times if steady[0] and steady[0][0] <= t <= steady[-1][-1]]
    talk_figures = (
        {
            "talkers": talkers,
            "talk_answers": len(answers),
            "talk_answer_median_ms": round(statistics.median(answers) * 1000),
            "talk_answer_p95_ms": round(sorted(answers)[int(0.95 * len(answers))] * 1000),
            "all_sends_rate_per_s": round(rate(during), 2),
        }
        if answers
        else {}
    )
    return {
        "recipients": count,
        "delivered": len(per_chat),
        "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
        "sustained_rate_per_s": [round(rate(seg), 2) for seg in steady],
        "limit_per_s": limit,
        "busiest_second": busiest_second(ok_times),
        "responses_429": sum(1 for call in calls if call.get("error_code") == 429),
        "peak_rss_mb": [round(run.peak_rss_kb / 1024, 1) for run in runs],
        "restart_to_first_send_s": round(resume, 2) if resume is not None else None,
        "wall_clock_s": round(ended - ok_times[0], 1) if ok_times else None,
        **talk_figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.campaign", description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="recipients (default 10000)")
    parser.add_argument(
        "--kill-at", type=float, default=0.5, help="kill Kefu after this share (0: never)"
    )
    parser.add_argument("--database-url", help="default: a SQLite file in a scratch folder")
    parser.add_argument(
        "--limit",
        type=float,
        default=TELEGRAM_LIMIT,
        help="the sandbox's messages/s limit (default 30, Telegram's); lower it to see 429s",
    )
    parser.add_argument(
        "--talkers",
        type=int,
        default=0,
        help="customers sending /help (every 2.5 s each) while the campaign runs",
    )
    args = parser.parse_args()
    compile_ahead()  # its restart is timed: as an installed Kefu starts, not compiling itself
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite+aiosqlite:///{scratch}/bench.db"
        log = Path(scratch) / "kefu.log"
        try:
            figures = asyncio.run(
                bench(args.count, args.kill_at, url, log, args.limit, args.talkers)
            )
        except Exception:
            print(log.read_text()[-5000:] if log.exists() else "(no log)", file=sys.stderr)
            raise
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
