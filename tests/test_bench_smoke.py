"""Every `bench/` script still runs: each one at its smallest, so a bench cannot silently rot.

A new script is found by the glob (helpers are named `_*`) and must be registered in SMALLEST
with arguments that run it in seconds; the whole file stays well within a minute.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests import postgres

ROOT = Path(__file__).resolve().parents[1]
BENCHES = sorted(path.stem for path in (ROOT / "bench").glob("*.py") if path.stem[0] != "_")

SMALLEST: dict[str, list[str]] = {
    # 20 recipients, killed half-way and restarted, so the resume figures are computed too.
    "campaign": ["--count", "20", "--kill-at", "0.5"],
    "conversations": ["--customers", "2"],
    "flood": ["--messages", "5", "--seconds", "1"],
    # 500 tickets, on SQLite and, when reachable, PostgreSQL (a throw-away database).
    "report": ["--tickets", "500", "--postgres", postgres.SERVER],
    # Below 2,000 every ticket would be active; PostgreSQL is measured only when reachable.
    "sla_scan": ["--sizes", "3000", "--postgres", postgres.SERVER],
    # Two customers, one round of each bot: the sandbox, the bots and the driver all run.
    "throughput": ["--customers", "2", "--rounds", "1", "--baselines", "bare,bare-aiohttp"],
}
RUN_TIMEOUT = 60


@pytest.mark.parametrize("name", BENCHES)
def test_bench_runs_at_its_smallest(name: str) -> None:
    if name not in SMALLEST:
        pytest.fail(f"bench/{name}.py has no smallest arguments: register it in SMALLEST")
    finished = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *SMALLEST[name]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert finished.stdout.strip(), f"bench.{name} printed no figures"


def test_every_registered_bench_exists() -> None:
    assert sorted(set(SMALLEST) - set(BENCHES)) == []
