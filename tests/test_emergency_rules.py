"""Emergencies' pure rules: who the rota puts on duty, the topic's title, and a bad rota refused
at start with its key named."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from bot.business_config import EmergencyConfig
from bot.config import ConfigError, load_business_config
from bot.i18n import Catalogs
from domain.desk.card import TOPIC_NAME_LIMIT, topic_name
from domain.desk.emergency import on_duty
from storage.enums import TicketStatus, TicketType

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROTA = EmergencyConfig.model_validate(
    {
        "rota": [
            {"days": ["mon", "tue", "wed", "thu", "fri"], "hours": ["08:00-20:00"], "staff": [1]},
            {"days": ["mon", "tue", "wed", "thu", "fri"], "hours": ["20:00-24:00"], "staff": [2]},
            {"days": ["sat", "sun"], "staff": ["@weekend_crew", 1]},
            {"days": ["mon"], "hours": ["08:00-09:00"], "staff": [1, 3]},
        ]
    }
)


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-11-30 08:00", [1, 3]),  # Monday: the day shift and the morning's extra hand
        ("2026-11-30 09:00", [1]),  # the extra hand's hour is over (its end is exclusive)
        ("2026-11-30 19:59", [1]),
        ("2026-11-30 20:00", [2]),  # the evening shift
        ("2026-12-01 07:59", []),  # nobody before eight on a weekday
        ("2026-12-05 03:00", ["@weekend_crew", 1]),  # Saturday, all day (no hours: all day)
        ("2026-12-06 23:59", ["@weekend_crew", 1]),
    ],
)
def test_the_rota_puts_on_duty(local: str, expected: list[int | str]) -> None:
    moment = datetime.fromisoformat(local).replace(tzinfo=SHANGHAI)
    assert on_duty(ROTA, moment) == expected


@pytest.mark.parametrize(
    ("toml", "line"),
    [
        (
            '[[emergency.rota]]\ndays = ["mon", "funday"]\nstaff = [2001]',
            "emergency.rota[0].days[1]: must be 'mon', ",
        ),
        ('[[emergency.rota]]\ndays = ["mon"]\nstaff = []', "emergency.rota[0].staff: "),
        (
            '[[emergency.rota]]\ndays = ["mon"]\nstaff = ["li wei"]',
            "emergency.rota[0].staff[0]: 'li wei': a Telegram user id (a number) or an @username",
        ),
        (
            '[[emergency.rota]]\ndays = ["mon"]\nstaff = [-5]',
            "emergency.rota[0].staff[0]: -5: a Telegram user id is a positive number",
        ),
        (
            '[[emergency.rota]]\ndays = ["mon"]\nhours = ["20:00-08:00"]\nstaff = [2001]',
            "emergency.rota[0].hours: working hours '20:00-08:00': end must be after start",
        ),
        ("[[emergency.rota]]\nstaff = [2001]", "emergency.rota[0].days: is required"),
        ('[emergency]\nrota = []\npager = "on"', "emergency.pager: unknown key"),
        ('[sla.emergency]\nfirst_response = "soon"', "sla.emergency.first_response: "),
    ],
)
def test_a_bad_rota_or_emergency_policy_is_refused_naming_its_key(
    tmp_path: Path, toml: str, line: str
) -> None:
    path = tmp_path / "kefu.toml"
    path.write_text(toml, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_business_config(path)

    assert caught.value.problems[0].startswith(line), caught.value.problems


def test_the_shipped_emergency_policy_is_quarter_of_an_hour_and_four_hours() -> None:
    config = load_business_config(None)
    assert str(config.sla.emergency.first_response) == "15m"
    assert config.sla.emergency.resolution.as_timedelta().total_seconds() == 4 * 3600
    assert config.emergency.rota == []


@pytest.mark.parametrize(
    ("status", "emergency", "ending"),
    [
        (TicketStatus.OPEN, True, " 🚨"),
        (TicketStatus.RESOLVED, True, " 🚨 ✅"),
        (TicketStatus.OPEN, False, "Alice"),
    ],
)
def test_the_topic_title_carries_the_emergency_within_telegrams_limit(
    status: TicketStatus, emergency: bool, ending: str
) -> None:
    t = Catalogs().for_language("en")
    customer = SimpleNamespace(
        has_consented=True, first_name="Alice", display_name=None, telegram_id=1001
    )
    ticket = SimpleNamespace(
        number="K-000001",
        type=TicketType.REPAIR,
        status=status,
        emergency_at=datetime(2026, 12, 1, tzinfo=SHANGHAI) if emergency else None,
        personal_data_erased_at=None,
        customer=customer,
    )
    assert topic_name(t, ticket).endswith(ending)  # type: ignore[arg-type]
    customer.first_name = "A" * 200
    long = topic_name(t, ticket)  # type: ignore[arg-type]
    assert len(long) <= TOPIC_NAME_LIMIT and long.startswith("#K-000001")
    assert long.endswith(ending if emergency else "…")
