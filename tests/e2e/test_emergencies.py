"""Emergencies end to end: the customer's button, /emergency, the alarm in the topic, General
and the escalation chat with the rota's mention, the emergency's own targets, /cause and
/prevent after resolution, and the report that lists them.

The alarm goes out by the SLA scanner's delivery, nudged at once by whoever raised it: the
scanner's own interval here is an hour, so an alarm that arrives came by the nudge.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.clock import ShiftedClock
from bot.config import Settings
from bot.services import Kefu
from domain.desk import emergency
from domain.sla import alerts
from sandbox.chatview import ChatView, Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import events, tickets
from storage.enums import EventKind, TicketStatus
from storage.events import Actor
from storage.models import SlaAlert, Ticket
from tests.conftest import LI_WEI, STAFF_CHAT_ID, RunningBot, accept_privacy
from tests.e2e.escalation import business_settings, desk_with_managers
from tests.e2e.helpers import business_today, wait_for_topic

pytestmark = pytest.mark.both_databases

ESCALATION_CHAT_ID = -1001000000088
MARK = "🚨"

CONFIG = f"""
[sla]
escalation_chat_id = {ESCALATION_CHAT_ID}
scan_interval_seconds = 3600  # the job runs at start-up only: alarms arrive by the nudge

[sla.policies.default.default]
clock = "calendar"
first_response = "2h"
resolution = "2d"

[sla.emergency]
clock = "calendar"
first_response = "15m"
resolution = "4h"

[[emergency.rota]]
days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
staff = [{LI_WEI.id}, "@night_owl"]

[[emergency.rota]]
days = ["mon"]
hours = ["00:00-00:01"]  # on duty one minute a week: never mentioned here but by chance
staff = [4242]
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return business_settings(database_url, tmp_path, CONFIG)


@pytest.fixture(autouse=True)
async def desk_in_use(
    kefu_bot: RunningBot, client: SandboxClient, staff_member: SandboxUser, admin: SandboxUser
) -> None:
    await desk_with_managers(client, staff_member, admin, ESCALATION_CHAT_ID)


def alarms(messages: list[Message]) -> list[Message]:
    return [
        m
        for m in messages
        if m.get("from", {}).get("is_bot")
        and text_of(m).startswith(f"{MARK} Emergency K-")
        and "please act" in text_of(m)  # not the question for the cause, which starts alike
    ]


def mentions(message: Message) -> set[int]:
    return {
        entity["user"]["id"]
        for entity in message.get("entities", [])
        if entity["type"] == "text_mention"
    }


async def ticket_of(kefu: Kefu, number: str) -> tuple[Ticket, list[events.TicketEvent]]:
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None
        return ticket, await events.history(session, ticket.id)


async def emergency_alerts(kefu: Kefu) -> list[tuple[str, str]]:
    async with kefu.db.read_only() as session:
        rows = await session.scalars(select(SlaAlert).where(SlaAlert.timer == "emergency"))
        return sorted((row.level, row.status) for row in rows)


async def settled_alerts(kefu: Kefu, expected: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The emergency alerts once they are as `expected` (a message is posted a moment before
    its row is marked sent); fails after 10 s."""
    async with asyncio.timeout(10):
        while True:
            found = await emergency_alerts(kefu)
            if found == expected:
                return found
            await asyncio.sleep(0.05)  # a polling interval inside the timeout


async def report_emergency(alice: SandboxUser) -> str:
    """Alice, a consented customer, reports a leak with the repair flow's Emergency button."""
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("🚨 Emergency (e.g. water leaking)")
    await alice.chat.wait_for_text("what is happening and where")
    await alice.send("Water is pouring out of the purifier! 88 Century Avenue, Shanghai")
    confirmation = await alice.chat.wait_for_text("emergency request")
    number = confirmation["text"].split("request ", 1)[1].split(" ", 1)[0]
    assert number.startswith("K-")
    return number


async def topic_view(client: SandboxClient, number: str) -> ChatView:
    topic = await wait_for_topic(client, f"#{number} ")
    return client.chat(STAFF_CHAT_ID, topic["message_thread_id"])


async def in_topic(staff: SandboxUser, view: ChatView, text: str) -> None:
    await staff.send(text, chat_id=STAFF_CHAT_ID, thread_id=view.thread_id)


async def test_a_customers_emergency_alerts_the_desk_at_once_and_asks_for_its_cause_later(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    client: SandboxClient,
    staff_member: SandboxUser,
) -> None:
    number = await report_emergency(alice)
    notice = await alice.chat.wait_for_text("treating your request")
    ticket, record = await ticket_of(kefu, number)
    assert ticket.emergency_at is not None and ticket.first_response_due_at is not None
    # The customer's due time, in the business's zone, as every other promise Kefu makes.
    due = ticket.first_response_due_at.astimezone(kefu.timezone).strftime("%Y-%m-%d %H:%M")
    assert number in notice["text"] and due in notice["text"]

    topic = await topic_view(client, number)
    in_topic_alarm = alarms(await topic.wait_until(lambda ms: bool(alarms(ms))))
    general = alarms(
        await client.chat(STAFF_CHAT_ID, "general").wait_until(lambda ms: bool(alarms(ms)))
    )
    escalated = alarms(
        await client.chat(ESCALATION_CHAT_ID).wait_until(lambda ms: bool(alarms(ms)))
    )
    for found in (in_topic_alarm, general, escalated):
        assert len(found) == 1 and number in text_of(found[0])
        assert mentions(found[0]) == {LI_WEI.id}  # the rota's id, as a mention that notifies
        assert "@night_owl" in text_of(found[0]) and "4242" not in text_of(found[0])
    card = await topic.wait_until(
        lambda ms: any("Emergency" in text_of(m) and f"#{number}" in text_of(m) for m in ms)
    )
    assert card
    titled = await wait_for_topic(client, f"#{number} ")
    assert titled["name"].endswith(MARK)
    assert any(e.kind == EventKind.EMERGENCY for e in record)

    await in_topic(staff_member, topic, "/resolve Replaced the inlet hose")
    question = await topic.wait_for_text("What caused it")
    assert "/cause" in question["text"] and "/prevent" in question["text"]
    both = [("cause", "sent"), ("raised", "sent")]
    assert await settled_alerts(kefu, both) == both
    # Nothing twice: another scan (another instance, a restart) finds nothing to send.
    await alerts.scan(desk_bot, kefu)
    assert len(alarms(await client.chat(ESCALATION_CHAT_ID).messages())) == 1
    assert len(alarms(await topic.messages())) == 1


async def test_staff_raise_an_emergency_once_and_its_own_targets_apply_from_then(
    kefu: Kefu,
    clock: ShiftedClock,
    alice: SandboxUser,
    client: SandboxClient,
    staff_member: SandboxUser,
) -> None:
    await accept_privacy(alice)
    await alice.press("Ask a question")
    await alice.chat.wait_for_text("What would you like to know?")
    await alice.send("My purifier makes a strange noise")
    await alice.chat.wait_for_bot_message()
    await alice.press("Talk to a person")
    number = (await alice.chat.wait_for_text("is open"))["text"].split("ticket ", 1)[1][:8]
    topic = await topic_view(client, number)
    before, _ = await ticket_of(kefu, number)
    assert before.resolution_due_at is not None
    clock.advance(timedelta(minutes=30))

    await in_topic(staff_member, topic, "/emergency")
    await topic.wait_for_text("Emergency raised by Li Wei")
    await topic.wait_until(lambda ms: bool(alarms(ms)))
    await alice.chat.wait_for_text("treating your request")
    await in_topic(staff_member, topic, "/emergency")
    await topic.wait_for_text("already is an emergency")

    ticket, record = await ticket_of(kefu, number)
    assert ticket.emergency_at is not None and ticket.sla_policy == "emergency"
    assert ticket.first_response_due_at == ticket.emergency_at + timedelta(minutes=15)
    assert ticket.resolution_due_at == ticket.emergency_at + timedelta(hours=4)
    assert ticket.emergency_at - before.created_at >= timedelta(minutes=30)
    assert [e.kind for e in record].count(EventKind.EMERGENCY) == 1
    assert await settled_alerts(kefu, [("raised", "sent")]) == [("raised", "sent")]
    assert len(alarms(await client.chat(ESCALATION_CHAT_ID).messages())) == 1


async def test_cause_and_prevention_are_recorded_on_the_ticket_and_its_card(
    kefu: Kefu,
    alice: SandboxUser,
    client: SandboxClient,
    staff_member: SandboxUser,
) -> None:
    number = await report_emergency(alice)
    topic = await topic_view(client, number)
    await topic.wait_until(lambda ms: bool(alarms(ms)))

    await in_topic(staff_member, topic, "/cause")
    await topic.wait_for_text("Usage: /cause")
    await in_topic(staff_member, topic, "/cause " + "x" * 501)
    await topic.wait_for_text("Nothing was saved")
    await in_topic(staff_member, topic, "/cause A cracked inlet hose")
    await topic.wait_for_text("Cause recorded by Li Wei")
    await in_topic(staff_member, topic, "/prevent Check hoses at every yearly service")
    await topic.wait_for_text("Preventive measure recorded by Li Wei")
    await staff_member.send("/cause Not in a topic", chat_id=STAFF_CHAT_ID)
    await client.chat(STAFF_CHAT_ID, "general").wait_for_text("inside a ticket's topic")

    ticket, record = await ticket_of(kefu, number)
    assert ticket.emergency_cause == "A cracked inlet hose"
    assert ticket.emergency_prevention == "Check hoses at every yearly service"
    notes = [(e.data.get("what"), e.text) for e in record if e.kind == EventKind.EMERGENCY]
    assert notes == [
        ("raised", None),
        ("cause", "A cracked inlet hose"),
        ("prevention", "Check hoses at every yearly service"),
    ]
    await topic.wait_until(
        lambda ms: any(
            "Cause: A cracked inlet hose" in text_of(m) and "Prevention: Check hoses" in text_of(m)
            for m in ms
        )
    )
    # Both given before the resolution: nobody is asked for them again.
    await in_topic(staff_member, topic, "/resolve")
    await topic.wait_for_text("Resolved by Li Wei")
    assert await settled_alerts(kefu, [("raised", "sent")]) == [("raised", "sent")]


async def test_cause_on_an_ordinary_ticket_and_strangers_are_refused(
    kefu: Kefu,
    alice: SandboxUser,
    client: SandboxClient,
    staff_member: SandboxUser,
    mallory: SandboxUser,
) -> None:
    await accept_privacy(alice)
    await alice.press("Ask a question")
    await alice.chat.wait_for_text("What would you like to know?")
    await alice.send("Where is my invoice?")
    await alice.chat.wait_for_bot_message()
    await alice.press("Talk to a person")
    number = (await alice.chat.wait_for_text("is open"))["text"].split("ticket ", 1)[1][:8]
    topic = await topic_view(client, number)

    await in_topic(staff_member, topic, "/cause A typo")
    await topic.wait_for_text("not an emergency")
    await mallory.send("/emergency")
    refusal = await mallory.chat.wait_for_bot_message()
    assert "only our support team" in refusal["text"] or "staff chat" in refusal["text"]
    ticket, _ = await ticket_of(kefu, number)
    assert ticket.emergency_at is None and ticket.emergency_cause is None


async def test_an_automation_rule_raises_through_the_same_function_once(
    kefu: Kefu, alice: SandboxUser, client: SandboxClient
) -> None:
    number = await report_emergency(alice)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get_by_number(session, number, for_update=True)
        assert ticket is not None
        raised = await emergency.raise_emergency(
            kefu, session, ticket, actor=Actor.system(), now=kefu.clock.now()
        )
    assert raised is False  # already one: no second alarm
    topic = await topic_view(client, number)
    await topic.wait_until(lambda ms: bool(alarms(ms)))
    assert len(alarms(await topic.messages())) == 1
    ticket, _ = await ticket_of(kefu, number)
    assert ticket.status == TicketStatus.OPEN


async def test_the_report_lists_the_emergency_with_its_first_response_and_cause(
    kefu: Kefu,
    clock: ShiftedClock,
    alice: SandboxUser,
    client: SandboxClient,
    staff_member: SandboxUser,
    admin: SandboxUser,
) -> None:
    number = await report_emergency(alice)
    topic = await topic_view(client, number)
    await topic.wait_until(lambda ms: bool(alarms(ms)))
    clock.advance(timedelta(minutes=7))
    await in_topic(staff_member, topic, "On my way, please close the valve under the sink.")
    await alice.chat.wait_for_text("close the valve")
    await in_topic(staff_member, topic, "/cause A cracked inlet hose")
    await topic.wait_for_text("Cause recorded")

    today = business_today(clock).isoformat()
    await admin.send(f"/report {today}..{today}")
    report = await admin.chat.wait_for_text("Emergencies", timeout=30)
    line = next(row for row in report["text"].splitlines() if number in row and MARK in row)
    assert "first response after 7 min" in line and "A cracked inlet hose" in line
    assert "Prevention: not recorded yet" in line


async def test_a_forged_emergency_button_outside_the_flow_is_answered_and_opens_nothing(
    kefu: Kefu, alice: SandboxUser, client: SandboxClient
) -> None:
    number = await report_emergency(alice)
    await (await topic_view(client, number)).wait_until(lambda ms: bool(alarms(ms)))

    answered = await alice.press_forged("repair:emergency")
    assert answered is not None  # answered (once: the sandbox refuses a second answer)
    answered = await alice.press_forged("repair:emergency:1")
    assert answered is not None
    async with kefu.db.read_only() as session:
        assert await tickets.get_by_number(session, "K-000002") is None
    assert await settled_alerts(kefu, [("raised", "sent")]) == [("raised", "sent")]


async def test_an_alarm_claimed_before_a_stop_goes_out_after_the_restart_once(
    kefu_bot: RunningBot, desk_bot: Bot, alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    await alice.press("Ask a question")
    await alice.chat.wait_for_text("What would you like to know?")
    await alice.send("The seat is sparking")
    await alice.chat.wait_for_bot_message()
    await alice.press("Talk to a person")
    number = (await alice.chat.wait_for_text("is open"))["text"].split("ticket ", 1)[1][:8]
    topic = await topic_view(client, number)
    await kefu_bot.stop()
    assert kefu_bot.kefu is not None
    async with kefu_bot.kefu.db.unit_of_work() as session:
        # A rule raised it, and Kefu stopped before anything was sent (no nudge).
        ticket = await tickets.get_by_number(session, number, for_update=True)
        assert ticket is not None
        assert await emergency.raise_emergency(
            kefu_bot.kefu, session, ticket, actor=Actor.system(), now=kefu_bot.kefu.clock.now()
        )
    assert alarms(await topic.messages()) == []

    await kefu_bot.restart()  # its start-up scan delivers what is pending
    await topic.wait_until(lambda ms: bool(alarms(ms)))
    await client.chat(ESCALATION_CHAT_ID).wait_until(lambda ms: bool(alarms(ms)))
    assert await settled_alerts(kefu_bot.kefu, [("raised", "sent")]) == [("raised", "sent")]
    await alerts.scan(desk_bot, kefu_bot.kefu)  # as another instance's scan would
    assert len(alarms(await topic.messages())) == 1
    assert len(alarms(await client.chat(ESCALATION_CHAT_ID).messages())) == 1


async def test_a_chinese_customer_is_told_in_chinese_when_the_team_will_call(
    kefu: Kefu, wang: SandboxUser, client: SandboxClient
) -> None:
    await wang.send("/start")
    await wang.chat.wait_for_bot_message()
    await wang.press("同意")
    await wang.chat.wait_for_bot_message()
    await wang.press("维修或安装")
    await wang.chat.wait_for_text("您需要哪项服务")
    await wang.press("🚨 紧急情况（如漏水）")
    await wang.chat.wait_for_text("发生了什么")
    await wang.send("x" * 2100)  # too long: asked again, nothing lost or opened
    await wang.chat.wait_for_text("发生了什么")
    await wang.send("厨房净水器漏水了，上海市浦东新区世纪大道88号")
    await wang.chat.wait_for_text("紧急申请 K-000001")
    notice = await wang.chat.wait_for_text("作为紧急情况处理")
    ticket, _ = await ticket_of(kefu, "K-000001")
    assert ticket.first_response_due_at is not None
    due = ticket.first_response_due_at.astimezone(kefu.timezone).strftime("%Y-%m-%d %H:%M")
    assert due in notice["text"]
