"""`kefu export`: a period's tickets from the command line, as an operator runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage import migrate
from storage.db import Database
from tests.storage.test_ticket_export import PERSONAL, Seeded, seed_period

# The seeded tickets' period is the local day 2026-03-02 in Shanghai.
DAY = ["--since", "2026-03-02", "--until", "2026-03-02"]


def _kefu(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env = {**clean, "KEFU_DATABASE_URL": url, "KEFU_TIMEZONE": "Asia/Shanghai"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "export", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
async def seeded(database_url: str) -> Seeded:
    await migrate.upgrade(database_url)
    db = Database(database_url)
    try:
        return await seed_period(db)
    finally:
        await db.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}"


@pytest.fixture
async def seeded_sqlite(sqlite_url: str) -> Seeded:
    await migrate.upgrade(sqlite_url)
    db = Database(sqlite_url)
    try:
        return await seed_period(db)
    finally:
        await db.dispose()


def test_the_days_asked_for_come_out_as_json(database_url, seeded, tmp_path):
    result = _kefu(*DAY, "--format", "json", url=database_url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    # Local days, the last one included: 2026-03-02 00:00 to 2026-03-03 00:00 in Shanghai.
    assert (document["since"], document["until"]) == (
        "2026-03-01T16:00:00+00:00",
        "2026-03-02T16:00:00+00:00",
    )
    assert [ticket["number"] for ticket in document["tickets"]] == seeded.inside
    assert "personal data" not in result.stderr


def test_a_csv_export_goes_to_the_file_named(sqlite_url, seeded_sqlite, tmp_path):
    target = tmp_path / "march.csv"

    result = _kefu(*DAY, "--format", "csv", "--output", str(target), url=sqlite_url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig"), newline="")))
    assert [row["ticket"] for row in rows] == seeded_sqlite.inside
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_personal_data_is_exported_only_when_asked_and_the_export_is_logged(
    sqlite_url, seeded_sqlite, tmp_path
):
    result = _kefu(*DAY, "--format", "json", "--with-personal-data", url=sqlite_url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert PERSONAL["name"] in result.stdout and PERSONAL["message"] in result.stdout
    (warning,) = [line for line in result.stderr.splitlines() if "kefu.export" in line]
    assert "WARNING" in warning and "personal data exported" in warning
    assert "os_user=" in warning and "tickets=3" in warning
    assert [value for value in PERSONAL.values() if value in result.stderr] == []


def test_a_personal_export_to_a_file_is_for_its_owner_only(sqlite_url, seeded_sqlite, tmp_path):
    target = tmp_path / "march.json"

    result = _kefu(
        *DAY, "--format", "json", "--with-personal-data", "--output", str(target),
        url=sqlite_url, cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert target.stat().st_mode & 0o077 == 0
    assert json.loads(target.read_text("utf-8"))["count"] == 3


@pytest.mark.parametrize(
    ("dates", "said"),
    [
        (["--since", "2026-03-05", "--until", "2026-03-01"], "--until 2026-03-01 is before"),
        (["--since", "2026-02-30", "--until", "2026-03-01"], "--since: '2026-02-30' is not a"),
        (["--since", "2026-03-01", "--until", "March"], "--until: 'March' is not a date"),
    ],
    ids=["reversed", "no-such-day", "not-a-date"],
)
def test_bad_dates_are_refused_in_one_line(sqlite_url, tmp_path, dates, said):
    result = _kefu(*dates, "--format", "csv", url=sqlite_url, cwd=tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert said in result.stderr and result.stdout == ""


def test_an_unmigrated_database_is_one_sentence(sqlite_url, tmp_path):
    result = _kefu(*DAY, "--format", "csv", url=sqlite_url, cwd=tmp_path)

    assert result.returncode == 3
    assert "kefu migrate" in result.stderr and "Traceback" not in result.stderr
