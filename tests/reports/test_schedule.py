"""When scheduled reports are due: from their moment (business time) until the next one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import build_services
from bot.config import Settings
from bot.services import Kefu
from domain.reports.delivery import due_periods

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def kefu(tmp_path: Path) -> AsyncIterator[Kefu]:
    config = tmp_path / "kefu.toml"
    config.write_text(
        '[reports]\nscheduled = ["week", "month"]\nweekly_on = "monday"\n'
        "monthly_on_day = 1\nhour = 9\n",
        encoding="utf-8",
    )
    url = f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}"
    services = await build_services(Settings(database_url=url, config=config))
    yield services
    await services.db.dispose()


def _due(kefu: Kefu, *moment: int) -> list[tuple[str, date, date]]:
    now = datetime(*moment, tzinfo=ZONE)  # type: ignore[misc]
    return [(p.kind, p.first_day, p.last_day) for p in due_periods(kefu, now)]


async def test_the_weekly_and_monthly_reports_are_due_from_their_moment(kefu: Kefu) -> None:
    # Tuesday 1 December 2026, 09:00: both moments have passed (Monday 30 Nov, 1 Dec 09:00).
    assert _due(kefu, 2026, 12, 1, 9, 0) == [
        ("week", date(2026, 11, 23), date(2026, 11, 29)),
        ("month", date(2026, 11, 1), date(2026, 11, 30)),
    ]


async def test_before_the_moment_the_previous_one_is_still_due(kefu: Kefu) -> None:
    # Monday 30 November 08:59, a minute before the weekly moment; 1 December not yet come.
    assert _due(kefu, 2026, 11, 30, 8, 59) == [
        ("week", date(2026, 11, 16), date(2026, 11, 22)),
        ("month", date(2026, 10, 1), date(2026, 10, 31)),
    ]
    assert _due(kefu, 2026, 11, 30, 9, 0)[0] == ("week", date(2026, 11, 23), date(2026, 11, 29))


async def test_a_moment_missed_while_down_is_still_due_days_later(kefu: Kefu) -> None:
    # Sunday 6 December: the week's moment was Monday the 30th; the month's the 1st.
    assert _due(kefu, 2026, 12, 6, 23, 0) == [
        ("week", date(2026, 11, 23), date(2026, 11, 29)),
        ("month", date(2026, 11, 1), date(2026, 11, 30)),
    ]
