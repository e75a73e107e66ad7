"""The sandbox demo shows every timed step within minutes (bot/demo.toml), as the README says:
SLA warnings after 90 s and at a minute left, a breach at 3 min, the survey 30 s after /resolve.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.bootstrap import build_services
from bot.clock import ShiftedClock
from bot.config import Settings, load_business_config
from bot.i18n import Catalogs
from bot.services import Kefu
from domain.sla.timers import (
    AlertPoint,
    Change,
    SlaState,
    TicketFacts,
    alert_points,
    recompute,
)
from domain.sla.tracking import SlaRules
from domain.sla.wording import headline
from domain.surveys import csat
from storage import customers, tickets
from storage.enums import Language, Priority, TicketStatus, TicketType
from storage.events import Actor

S = timedelta(seconds=1)
OPENED = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # a Saturday night in Shanghai: no office hours


def settings_for(tmp_path: Path, config: Path | None = None) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}",
        timezone="Asia/Shanghai",
        config=config,
    )


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Kefu]:
    """Kefu as `python -m bot sandbox` builds it, on a clock the test moves."""
    kefu = await build_services(settings_for(tmp_path), ShiftedClock(), demo_sla=True)
    try:
        yield kefu
    finally:
        await kefu.db.dispose()


def test_the_demo_shortens_the_waits_and_keeps_the_rest_as_shipped(demo: Kefu):
    shipped = load_business_config(None)

    assert demo.config.surveys.csat_delay_minutes == 0.5
    assert demo.config.sla.scan_interval_seconds == 10
    assert demo.config.surveys.csat_expiry_hours == shipped.surveys.csat_expiry_hours
    assert demo.config.support == shipped.support  # a half-filled form still waits 30 min
    assert demo.config.products == shipped.products and demo.config.faq == shipped.faq


async def test_a_business_file_of_ones_own_keeps_its_timings(tmp_path: Path):
    mine = tmp_path / "mine.toml"
    mine.write_text("[surveys]\ncsat_delay_minutes = 15\n", encoding="utf-8")

    kefu = await build_services(settings_for(tmp_path, mine), demo_sla=True)
    await kefu.db.dispose()

    assert kefu.config.surveys.csat_delay_minutes == 15
    assert kefu.config.sla == load_business_config(mine).sla


def demo_alerts(kefu: Kefu, ticket_type: TicketType) -> list[AlertPoint]:
    """Every alert of a ticket opened at `OPENED`, by time."""
    rules = SlaRules.of(kefu.config, kefu.timezone)
    policy = kefu.config.sla.policy_for(ticket_type, Priority.NORMAL)
    assert policy is not None
    facts = TicketFacts(TicketStatus.OPEN, created_at=OPENED)
    state = recompute(
        SlaState(),
        facts,
        Change(created=True),
        now=OPENED,
        policy=policy,
        rules=rules.warnings,
        calendar=rules.calendar,
    )
    return alert_points(
        state, facts, clock=policy.clock, rules=rules.warnings, calendar=rules.calendar
    )


@pytest.mark.parametrize("ticket_type", list(TicketType))
def test_a_demo_ticket_alerts_within_minutes_at_any_hour(demo: Kefu, ticket_type: TicketType):
    assert [(p.timer.value, p.level, p.at - OPENED) for p in demo_alerts(demo, ticket_type)] == [
        ("first_response", "warn50", 90 * S),
        ("first_response", "warn-1m", 120 * S),
        ("first_response", "breach", 180 * S),
        ("resolution", "warn50", 300 * S),
        ("resolution", "warn-1m", 540 * S),
        ("resolution", "breach", 600 * S),
    ]


def test_no_two_demo_warnings_read_alike_whenever_the_scan_finds_them(demo: Kefu):
    """A warning goes out at the first scan after it is due: up to one scan interval late."""
    t = Catalogs().for_language(demo.config.support.language_default)
    late = [seconds * S for seconds in range(demo.config.sla.scan_interval_seconds + 1)]
    readings = {
        f"{point.timer.value} {point.level}": {
            headline(t, point.timer, point.due, point.at + delay) for delay in late
        }
        for point in demo_alerts(demo, TicketType.REPAIR)
        if not point.is_breach
    }

    texts = list(readings.values())
    assert all(a.isdisjoint(b) for i, a in enumerate(texts) for b in texts[i + 1 :]), readings
    assert "First response due in 1 min 30 s" in readings["first_response warn50"]
    assert "First response due in 1 min" in readings["first_response warn-1m"]


class SurveyInbox:
    """Stands in for the Bot: keeps what the survey job sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: object) -> SimpleNamespace:
        self.sent.append((chat_id, text))
        return SimpleNamespace(message_id=len(self.sent))


async def test_the_demo_survey_comes_half_a_minute_after_resolve(demo: Kefu):
    clock = demo.clock
    assert isinstance(clock, ShiftedClock)
    now = clock.now()
    async with demo.db.unit_of_work() as session:
        alice = await customers.get_or_create_by_telegram(
            session, 1001, now=now, language=Language.EN
        )
        await customers.record_consent(session, alice, now=now, first_name="Alice")
        ticket = await tickets.create(
            session, alice, TicketType.REPAIR, now=now, description="No hot water."
        )
        await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=Actor.staff(2001, "Li Wei"), now=now
        )
        number = ticket.number
    bot = SurveyInbox()

    clock.advance(25 * S)
    assert await csat.send_due_surveys(bot, demo) == 0  # type: ignore[arg-type]
    clock.advance(6 * S)
    assert await csat.send_due_surveys(bot, demo) == 1  # type: ignore[arg-type]

    [(chat_id, text)] = bot.sent
    assert chat_id == 1001 and number in text
