"""The command line reports operator mistakes in one plain sentence, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _kefu(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_without_a_token_names_the_setting(tmp_path: Path) -> None:
    result = _kefu("run", env={}, cwd=tmp_path)
    assert result.returncode == 2
    assert "KEFU_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


TOKEN = {"KEFU_BOT_TOKEN": "123:abc"}  # start-up stops at the configuration, before Telegram


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"KEFU_TIMEZONE": "Mars/Base"}, "KEFU_TIMEZONE"),
        ({"KEFU_ADMIN_IDS": "12,abc"}, "KEFU_ADMIN_IDS"),
        ({"KEFU_CONFIG": "/nonexistent/kefu.toml"}, "KEFU_CONFIG"),
        ({"KEFU_REDIS_URL": "http://127.0.0.1:6379"}, "KEFU_REDIS_URL"),
    ],
)
def test_bad_settings_are_reported_by_key(tmp_path: Path, env: dict[str, str], named: str):
    result = _kefu("run", env={**TOKEN, **env}, cwd=tmp_path)
    assert result.returncode == 2
    assert named in result.stderr and "Traceback" not in result.stderr


def test_bad_business_config_value_is_reported_by_key(tmp_path: Path) -> None:
    config = tmp_path / "kefu.toml"
    config.write_text('[[products]]\nid = "x1"\nname.en = "X"\nwarranty_months = -3\n')
    result = _kefu("run", env={**TOKEN, "KEFU_CONFIG": str(config)}, cwd=tmp_path)
    assert result.returncode == 2
    assert "products[0].warranty_months" in result.stderr


def test_unreachable_database_is_one_sentence(tmp_path: Path) -> None:
    env = {"KEFU_DATABASE_URL": "postgresql+asyncpg://kefu@127.0.0.1:1/kefu"}
    result = _kefu("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 3
    assert "Database error" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_redis_stops_the_start_in_one_sentence_without_its_password(
    tmp_path: Path,
) -> None:
    env = {**TOKEN, "KEFU_REDIS_URL": "redis://:s3cret-pw@127.0.0.1:1/0"}
    result = _kefu("run", env=env, cwd=tmp_path)
    assert result.returncode == 3
    assert "Redis does not answer at 127.0.0.1:1 (KEFU_REDIS_URL)" in result.stderr
    assert "Traceback" not in result.stderr and "s3cret-pw" not in result.stderr


def test_migrate_creates_the_default_sqlite_file(tmp_path: Path) -> None:
    result = _kefu("migrate", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kefu.db").exists() and "up to date" in result.stdout


def test_unreachable_telegram_is_one_sentence(tmp_path: Path) -> None:
    env = {**TOKEN, "KEFU_API_URL": "http://127.0.0.1:1"}
    result = _kefu("run", env=env, cwd=tmp_path)
    assert result.returncode == 4
    assert "Could not reach Telegram" in result.stderr and "Traceback" not in result.stderr


def test_check_reports_bad_settings_one_line_each(tmp_path: Path) -> None:
    result = _kefu("check", env={"KEFU_TIMEZONE": "Mars/Base"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith("problem  KEFU_TIMEZONE: unknown time zone 'Mars/Base'")
    assert len(result.stdout.splitlines()) == 1 and result.stderr == ""


def test_check_goes_through_every_setting_it_can_without_telegram(tmp_path: Path) -> None:
    env = {"KEFU_ADMIN_IDS": "3001,-1001000000001", "KEFU_CONFIG": "/nonexistent/kefu.toml"}
    result = _kefu("check", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.splitlines() == [
        "ok       settings: the KEFU_* environment variables",
        "problem  KEFU_CONFIG: no such file: /nonexistent/kefu.toml",
        "problem  KEFU_BOT_TOKEN: not set; get a token from @BotFather and export it",
        "skipped  KEFU_STAFF_CHAT_ID: not set, so tickets get no topics at a staff desk",
        "problem  KEFU_ADMIN_IDS: -1001000000001 is not a person's id: list the Telegram user "
        "ids of the admins (positive numbers).",
    ]
    assert not (tmp_path / "kefu.db").exists()  # it checks; it starts and creates nothing


def test_check_says_when_telegram_is_unreachable(tmp_path: Path) -> None:
    result = _kefu("check", env={**TOKEN, "KEFU_API_URL": "http://127.0.0.1:1"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "problem  Could not reach Telegram at http://127.0.0.1:1" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
