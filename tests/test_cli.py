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


def test_migrate_creates_the_default_sqlite_file(tmp_path: Path) -> None:
    result = _kefu("migrate", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kefu.db").exists() and "up to date" in result.stdout


def test_unreachable_telegram_is_one_sentence(tmp_path: Path) -> None:
    env = {**TOKEN, "KEFU_API_URL": "http://127.0.0.1:1"}
    result = _kefu("run", env=env, cwd=tmp_path)
    assert result.returncode == 4
    assert "Could not reach Telegram" in result.stderr and "Traceback" not in result.stderr
