"""SLA alerts end to end: the real bot, the sandbox's staff desk, and a clock the tests move.

The policy here (calendar clock, so the time of day does not matter): first response within
30 min, resolution within 4 h; warnings at 50 % and 10 min before. The scanner is run directly
after each move of the clock, which is what its job does every `scan_interval_seconds`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.clock import ShiftedClock
from bot.config import Settings
from bot.services import Kefu
from domain.sla import alerts
from sandbox.chatview import Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import events, tickets
from storage.enums import EventKind, TicketStatus
from storage.events import Actor
from storage.models import SlaAlert
from tests.conftest import AMY, LI_WEI, STAFF_CHAT_ID, RunningBot
from tests.e2e.escalation import business_settings, desk_with_managers, open_ticket, topic_of

pytestmark = pytest.mark.both_databases

ESCALATION_CHAT_ID = -1001000000077
WARNING, BREACH = "⏳", "🚨"
MINUTE = timedelta(minutes=1)

SLA_CONFIG = f"""
[sla]
warn_at_percent = [50]
warn_before = ["10m"]
escalation_chat_id = {ESCALATION_CHAT_ID}
scan_interval_seconds = 3600  # the job only runs at start-up; the tests scan themselves

[sla.policies.default.default]
clock = "calendar"
first_response = "30m"
resolution = "4h"
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The bot of these tests runs with the policy above."""
    return business_settings(database_url, tmp_path, SLA_CONFIG)


@pytest.fixture(autouse=True)
async def staff_chat_in_use(
    kefu_bot: RunningBot, client: SandboxClient, staff_member: SandboxUser, admin: SandboxUser
) -> None:
    await desk_with_managers(client, staff_member, admin, ESCALATION_CHAT_ID)


def alerts_in(messages: list[Message], number: str | None = None) -> list[str]:
    texts = [text_of(m) for m in messages if m.get("from", {}).get("is_bot")]
    found = [text for text in texts if text.startswith((WARNING, BREACH))]
    return [text for text in found if number is None or number in text]


async def general_alerts(client: SandboxClient, number: str) -> list[str]:
    return alerts_in(await client.chat(STAFF_CHAT_ID, "general").messages(), number)  # type: ignore[arg-type]


_UNITS = {
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "min": MINUTE,
    "s": timedelta(seconds=1),
}


def span_after(words: str, text: str) -> timedelta:
    """The span an alert gives after `words`: "... due in 8 min 57 s (...)" → 8 min 57 s.

    The tests' clock runs on in real time between its moves, so a span under ten minutes (told
    to the second) is a few seconds off the round figure of the move."""
    found = re.search(rf"{re.escape(words)} ((?:\d+ (?:d|h|min|s)\b ?)+)", text)
    assert found, f"no span after {words!r} in {text!r}"
    amounts = re.findall(r"(\d+) (d|h|min|s)\b", found[1])
    return sum((int(amount) * _UNITS[unit] for amount, unit in amounts), timedelta())


async def run_clock(clock: ShiftedClock, bot: Bot, kefu: Kefu, span: timedelta, step: timedelta):
    """Move time forward by `span` in `step`s, scanning twice after every step."""
    moved = timedelta()
    while moved < span:
        clock.advance(step)
        moved += step
        await alerts.scan(bot, kefu)
        await alerts.scan(bot, kefu)


async def test_every_alert_is_sent_once_though_the_scanner_runs_twice_as_often(
    kefu: Kefu, clock: ShiftedClock, desk_bot: Bot, client: SandboxClient, alice: SandboxUser
):
    ticket_id, number = await open_ticket(kefu, desk_bot, alice)
    topic = await topic_of(kefu, client, ticket_id)

    # The closest alerts are 5 min apart (15 and 20 min): scan every 2.5 min, twice each time.
    await run_clock(clock, desk_bot, kefu, timedelta(hours=4, minutes=10), 2.5 * MINUTE)

    in_topic = alerts_in(await topic.messages())
    assert [text.split(" ", 3)[1:3] for text in in_topic] == [
        ["First", "response"],  # at 50 %
        ["First", "response"],  # 10 min before
        ["First", "response"],  # missed
        ["Resolution", "due"],
        ["Resolution", "due"],
        ["Resolution", "overdue"],
    ], in_topic
    assert "overdue by" in in_topic[2] and "due in" in in_topic[1]
    general = await general_alerts(client, number)
    assert len(general) == 6 and all(
        text.startswith(f"{WARNING} {number}:") for text in general[:2]
    )
    assert "first response overdue by" in general[2]
    escalated = alerts_in(await client.chat(ESCALATION_CHAT_ID).messages(), number)
    assert len(escalated) == 2 and all(text.startswith(BREACH) for text in escalated)
    async with kefu.db.read_only() as session:
        rows = (await session.scalars(select(SlaAlert))).all()
        record = await events.history(session, ticket_id)
    assert sorted((row.timer, row.level, row.status) for row in rows) == [
        ("first_response", "breach", "sent"),
        ("first_response", "warn-10m", "sent"),
        ("first_response", "warn50", "sent"),
        ("resolution", "breach", "sent"),
        ("resolution", "warn-10m", "sent"),
        ("resolution", "warn50", "sent"),
    ]
    assert sum(event.kind == EventKind.ALERT for event in record) == 6


async def test_a_restart_between_warning_and_breach_sends_only_the_breach(
    kefu_bot: RunningBot,
    clock: ShiftedClock,
    desk_bot: Bot,
    client: SandboxClient,
    alice: SandboxUser,
):
    assert kefu_bot.kefu is not None
    ticket_id, number = await open_ticket(kefu_bot.kefu, desk_bot, alice)
    topic = await topic_of(kefu_bot.kefu, client, ticket_id)
    clock.advance(21 * MINUTE)  # both first-response warnings are due
    await alerts.scan(desk_bot, kefu_bot.kefu)
    assert len(alerts_in(await topic.messages())) == 1  # only the latest of the two

    await kefu_bot.restart()
    assert kefu_bot.kefu is not None
    clock.advance(10 * MINUTE)
    await alerts.scan(desk_bot, kefu_bot.kefu)
    await alerts.scan(desk_bot, kefu_bot.kefu)

    in_topic = alerts_in(await topic.messages())
    assert len(in_topic) == 2, in_topic
    assert in_topic[0].startswith(f"{WARNING} First response due in ")
    assert 8.5 * MINUTE < span_after("due in", in_topic[0]) <= 9 * MINUTE
    assert in_topic[1].startswith(f"{BREACH} First response overdue by ")
    assert MINUTE <= span_after("overdue by", in_topic[1]) < 1.5 * MINUTE
    assert len(await general_alerts(client, number)) == 2


async def test_a_ticket_resolved_before_its_warning_gets_no_alert(
    kefu: Kefu, clock: ShiftedClock, desk_bot: Bot, client: SandboxClient, alice: SandboxUser
):
    ticket_id, number = await open_ticket(kefu, desk_bot, alice)
    clock.advance(5 * MINUTE)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        assert ticket is not None
        staff = Actor.staff(LI_WEI.id, LI_WEI.first_name)
        await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=staff, now=kefu.clock.now()
        )

    await run_clock(clock, desk_bot, kefu, timedelta(hours=5), 30 * MINUTE)

    topic = await topic_of(kefu, client, ticket_id)
    assert alerts_in(await topic.messages()) == []
    assert await general_alerts(client, number) == []
    async with kefu.db.read_only() as session:
        assert (await session.scalars(select(SlaAlert))).all() == []


async def test_a_breach_is_escalated_mentioning_the_assignee(
    kefu: Kefu, clock: ShiftedClock, desk_bot: Bot, client: SandboxClient, alice: SandboxUser
):
    ticket_id, number = await open_ticket(kefu, desk_bot, alice)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        assert ticket is not None
        await tickets.assign(
            session,
            ticket,
            assignee_telegram_id=LI_WEI.id,
            assignee_name=LI_WEI.first_name,
            actor=Actor.staff(AMY.id, AMY.first_name),
            now=kefu.clock.now(),
        )
    clock.advance(32 * MINUTE)

    await alerts.scan(desk_bot, kefu)

    escalated = await client.chat(ESCALATION_CHAT_ID).messages()
    assert len(escalated) == 1
    assert text_of(escalated[0]).startswith(f"{BREACH} {number}: first response overdue by ")
    assert 2 * MINUTE <= span_after("overdue by", text_of(escalated[0])) < 2.5 * MINUTE
    assert text_of(escalated[0]).endswith("assigned to Li Wei.")
    mentions = [e for e in escalated[0].get("entities", []) if e["type"] == "text_mention"]
    assert [m["user"]["id"] for m in mentions] == [LI_WEI.id]


async def test_staff_see_tickets_at_risk_with_sla(
    kefu: Kefu,
    clock: ShiftedClock,
    desk_bot: Bot,
    client: SandboxClient,
    alice: SandboxUser,
    staff_member: SandboxUser,
):
    _, overdue = await open_ticket(kefu, desk_bot, alice)
    clock.advance(35 * MINUTE)
    _, at_risk = await open_ticket(kefu, desk_bot, alice)
    clock.advance(22 * MINUTE)  # the second: first response due in 8 min (less a few seconds)
    _, calm = await open_ticket(kefu, desk_bot, alice)
    await alerts.scan(desk_bot, kefu)
    general = client.chat(STAFF_CHAT_ID, "general")  # type: ignore[arg-type]
    await general.catch_up()

    await staff_member.send("/sla", chat_id=STAFF_CHAT_ID)

    answer = text_of(await general.wait_for_text("Service levels"))
    lines = answer.splitlines()[1:]
    assert lines[0].startswith(f"{BREACH} {overdue} · First response overdue by 27 min · ")
    assert lines[1].startswith(f"{WARNING} {at_risk} · First response due in ")
    assert 7.5 * MINUTE < span_after("due in", lines[1]) <= 8 * MINUTE
    assert lines[1].endswith(" CST · unassigned")
    assert calm not in answer
