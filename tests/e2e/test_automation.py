"""Automation rules end to end: the real bot with rules in its business file, the sandbox's
staff desk and escalation chat, and a clock the tests move for the SLA triggers.

Each trigger fires its rule once per ticket: on a new ticket, on the customer's words, on an SLA
warning and breach, and on a low CSAT score. What a rule changes is in the ticket's history as
done by "automation: <rule id>", and the card in the topic shows it.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram import Bot

from bot.clock import ShiftedClock
from bot.config import Settings
from bot.services import Kefu
from domain.sla import alerts
from domain.surveys import csat
from sandbox.chatview import text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import customer_notes, events, templates, tickets
from storage.automation_models import AutomationFiring
from storage.enums import EventKind, Priority, TicketStatus
from storage.events import Actor
from storage.models import TicketEvent
from tests.conftest import AMY, LI_WEI, RunningBot, accept_privacy
from tests.e2e.escalation import (
    business_settings,
    desk_with_managers,
    open_ticket,
    topic_of,
)
from tests.e2e.helpers import file_a_late_parcel_complaint

ESCALATION_CHAT_ID = -1001000000078
MINUTE = timedelta(minutes=1)
SORRY = "Hello {customer}, we are sorry your parcel ({ticket}) is late. We are on it."

RULES = f"""
[sla]
warn_at_percent = [50]
warn_before = ["10m"]
escalation_chat_id = {ESCALATION_CHAT_ID}
scan_interval_seconds = 3600  # the tests scan themselves

[sla.policies.default.default]
clock = "calendar"
first_response = "30m"
resolution = "4h"

[[automation.rules]]
id = "late-delivery"
trigger = "ticket_created"
[automation.rules.when]
type = ["complaint"]
keywords = ["LATE"]
[automation.rules.then]
priority = "urgent"
assign = {{ id = {LI_WEI.id}, name = "Li Wei" }}
note = "Late delivery: check the courier's tracking first."
template = "sorry-late"
notify_chat = {ESCALATION_CHAT_ID}

[[automation.rules]]
id = "no-match"
trigger = "ticket_created"
[automation.rules.when]
type = ["return"]
[automation.rules.then]
priority = "urgent"

[[automation.rules]]
id = "refund-asked"
trigger = "customer_wrote"
[automation.rules.when]
regex = "(?i)refund|退款"
[automation.rules.then]
note = "The customer asks about a refund."

[[automation.rules]]
id = "flooding"
trigger = "customer_wrote"
[automation.rules.when]
keywords = ["flood", "漏水"]
[automation.rules.then]
tag = "leak"
emergency = true

[[automation.rules]]
id = "leak-customer"
trigger = "customer_wrote"
[automation.rules.when]
tag = ["leak"]
[automation.rules.then]
note = "This customer has had a leak: call them."

[[automation.rules]]
id = "almost-late"
trigger = "sla_warning"
[automation.rules.then]
note = "Half the time to answer has gone."

[[automation.rules]]
id = "breached"
trigger = "sla_breach"
[automation.rules.then]
priority = "urgent"
notify_chat = {ESCALATION_CHAT_ID}

[[automation.rules]]
id = "unhappy"
trigger = "low_csat"
[automation.rules.then]
note = "Low score: call the customer within a day."
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return business_settings(database_url, tmp_path, RULES, rate_limit=False)


@pytest.fixture(autouse=True)
async def desk_in_use(
    kefu_bot: RunningBot, client: SandboxClient, staff_member: SandboxUser, admin: SandboxUser
) -> None:
    await client.set_limits(enabled=False)
    await desk_with_managers(client, staff_member, admin, ESCALATION_CHAT_ID)


async def rules_caught_up(kefu: Kefu) -> bool:
    """Every trigger recorded has been evaluated by the rules."""
    async with kefu.db.read_only() as session:
        waiting = await session.scalar(
            select(func.count())
            .select_from(TicketEvent)
            .where(TicketEvent.automation_due_at.is_not(None))
        )
    return waiting == 0


async def firings(kefu: Kefu, ticket_id: int) -> list[tuple[str, str]]:
    async with kefu.db.read_only() as session:
        rows = await session.execute(
            select(AutomationFiring.rule_id, AutomationFiring.trigger).where(
                AutomationFiring.ticket_id == ticket_id
            )
        )
        return sorted((rule, trigger) for rule, trigger in rows)


async def by_rule(kefu: Kefu, ticket_id: int, rule: str) -> list[TicketEvent]:
    async with kefu.db.read_only() as session:
        record = await events.history(session, ticket_id)
    return [event for event in record if event.actor_name == f"automation: {rule}"]


def texts(messages: list[dict]) -> list[str]:
    return [text_of(message) for message in messages]


async def test_a_rule_on_new_tickets_acts_once_and_the_card_shows_its_change(
    kefu: Kefu, client: SandboxClient, alice: SandboxUser, admin: SandboxUser
) -> None:
    async with kefu.db.unit_of_work() as session:
        await templates.add(
            session,
            name="sorry-late",
            texts={"en": SORRY},
            created_by=AMY.id,
            now=kefu.clock.now(),
        )
    await accept_privacy(alice)
    number = await file_a_late_parcel_complaint(alice)

    # The customer gets the template in their language, signed by the team, not by a person.
    sorry = await alice.chat.wait_for_text("we are sorry your parcel")
    assert f"Hello Alice, we are sorry your parcel ({number}) is late." in sorry["text"]
    assert sorry["text"].endswith("— Support team")
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, number)
    assert ticket is not None
    topic = await topic_of(kefu, client, ticket.id)
    await topic.wait_until(
        lambda messages: any(
            "Priority: Urgent" in text_of(m) and "Assigned to: Li Wei" in text_of(m)
            for m in messages
        ),
        timeout=15,
    )
    await topic.wait_for_text("Automation rule late-delivery: Late delivery: check the courier")
    await topic.wait_for_text("Automation rule late-delivery sent the template sorry-late")
    notice = await client.chat(ESCALATION_CHAT_ID).wait_for_text("Automation rule late-delivery")
    assert number in notice["text"] and f"/{ticket.staff_topic_id}" in notice["text"]

    changes = await by_rule(kefu, ticket.id, "late-delivery")
    assert {event.kind for event in changes} == {
        EventKind.PRIORITY_CHANGED,
        EventKind.ASSIGNED,
        EventKind.INTERNAL_NOTE,
        EventKind.STAFF_REPLY,
    }
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, number)
    assert ticket is not None
    assert (ticket.priority, ticket.assignee_name) == (Priority.URGENT, "Li Wei")
    # An automatic reply is no response: the promise that a person answers still runs.
    assert ticket.first_response_at is None
    assert await firings(kefu, ticket.id) == [("late-delivery", "ticket_created")]


async def test_the_customer_s_words_fire_a_rule_once_however_often_they_match(
    kefu: Kefu, desk_bot: Bot, client: SandboxClient, alice: SandboxUser
) -> None:
    await accept_privacy(alice)
    ticket_id, _number = await open_ticket(kefu, desk_bot, alice)
    topic = await topic_of(kefu, client, ticket_id)
    await alice.chat.catch_up()

    await alice.send("Can I get a refund instead?")
    await topic.wait_for_text("Automation rule refund-asked: The customer asks about a refund.")
    await alice.send("I said: REFUND, please.")
    await topic.wait_for_text("I said: REFUND, please.")
    await kefu_wait(kefu)

    notes = [t for t in texts(await topic.messages()) if "Automation rule refund-asked" in t]
    assert len(notes) == 1
    assert await firings(kefu, ticket_id) == [("refund-asked", "customer_wrote")]


async def kefu_wait(kefu: Kefu, timeout: float = 10) -> None:
    """Until the rules have looked at every trigger recorded so far."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await rules_caught_up(kefu):
        assert asyncio.get_running_loop().time() < deadline, "the rules did not catch up"
        await asyncio.sleep(0.05)  # polling the database, not a synchronisation guess


async def test_sla_warning_and_breach_fire_their_rules_once_each(
    kefu: Kefu, desk_bot: Bot, client: SandboxClient, alice: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(alice)
    ticket_id, number = await open_ticket(kefu, desk_bot, alice)
    topic = await topic_of(kefu, client, ticket_id)

    clock.advance(16 * MINUTE)  # half of the 30 minutes to answer
    await alerts.scan(desk_bot, kefu)
    await topic.wait_for_text("Automation rule almost-late: Half the time to answer has gone.")
    clock.advance(15 * MINUTE)  # past the first response's due time
    await alerts.scan(desk_bot, kefu)
    managers = client.chat(ESCALATION_CHAT_ID)
    notice = await managers.wait_for_text("Automation rule breached")
    assert number in notice["text"]
    await topic.wait_until(
        lambda messages: any("Priority: Urgent" in text_of(m) for m in messages), timeout=15
    )
    clock.advance(10 * MINUTE)
    await alerts.scan(desk_bot, kefu)  # nothing new is due: no alert, no second firing
    await kefu_wait(kefu)

    assert await firings(kefu, ticket_id) == [
        ("almost-late", "sla_warning"),
        ("breached", "sla_breach"),
    ]
    raised = await by_rule(kefu, ticket_id, "breached")
    assert [event.kind for event in raised] == [EventKind.PRIORITY_CHANGED]
    notices = [t for t in texts(await managers.messages()) if "Automation rule breached" in t]
    assert len(notices) == 1


async def test_a_low_csat_score_fires_its_rule(
    kefu: Kefu, desk_bot: Bot, client: SandboxClient, alice: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(alice)
    ticket_id, _number = await open_ticket(kefu, desk_bot, alice)
    topic = await topic_of(kefu, client, ticket_id)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id)
        assert ticket is not None
        await tickets.set_status(
            session,
            ticket,
            TicketStatus.RESOLVED,
            actor=Actor.staff(LI_WEI.id, "Li Wei"),
            now=kefu.clock.now(),
        )
    clock.advance(timedelta(minutes=kefu.config.surveys.csat_delay_minutes, seconds=30))
    await csat.send_due_surveys(desk_bot, kefu)
    await alice.chat.wait_for_text("How satisfied are you")
    await alice.press("1 ★")

    await topic.wait_for_text(
        "Automation rule unhappy: Low score: call the customer within a day."
    )
    await kefu_wait(kefu)
    assert await firings(kefu, ticket_id) == [("unhappy", "low_csat")]


async def test_a_rule_tags_the_customer_and_raises_an_emergency_that_alerts_at_once(
    kefu: Kefu, desk_bot: Bot, client: SandboxClient, alice: SandboxUser
) -> None:
    await accept_privacy(alice)
    ticket_id, number = await open_ticket(kefu, desk_bot, alice)
    topic = await topic_of(kefu, client, ticket_id)
    await alice.chat.catch_up()

    await alice.send("There is a flood in the bathroom!")
    # The emergency's alert goes to the escalation chat at once, not at the next SLA scan.
    alert = await client.chat(ESCALATION_CHAT_ID).wait_for_text(number, timeout=15)
    assert "🚨" in text_of(alert)
    # The next rule saw the tag the first one added.
    await topic.wait_for_text("Automation rule leak-customer: This customer has had a leak")
    await topic.wait_until(
        lambda messages: any(
            "Emergency" in text_of(m) and "Urgent" in text_of(m) for m in messages
        ),
        timeout=15,
    )
    await kefu_wait(kefu)

    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
        assert ticket is not None
        tags = [tag.tag for tag in await customer_notes.tags_of(session, ticket.customer_id)]
    assert ticket.emergency_at is not None and ticket.priority == Priority.URGENT
    assert tags == ["leak"]
    raised = await by_rule(kefu, ticket_id, "flooding")
    assert {event.kind for event in raised} >= {EventKind.DETAILS_CHANGED, EventKind.EMERGENCY}
    assert await firings(kefu, ticket_id) == [
        ("flooding", "customer_wrote"),
        ("leak-customer", "customer_wrote"),
    ]
