"""Two Kefu instances behind one address, on one PostgreSQL: any instance may receive any
update (a round-robin proxy sends Telegram's webhook deliveries to each in turn), and still
every chat is handled in order, and every topic, SLA alert, survey and campaign message goes
out once. Killed in the middle of a campaign, one instance leaves the rest to the other.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.campaigns.sender import DEFAULT_CONCURRENCY
from sandbox.chatview import text_of
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from tests.conftest import STAFF_CHAT_ID
from tests.reliability.instances import Deployment
from tests.reliability.test_campaign_kill import campaign_sends, prepare_campaign
from tests.reliability.test_sla_kill import alert_rows, destinations, postings, seed_tickets
from tests.reliability.traffic import (
    SURVEY,
    ask_a_person,
    cast,
    finish_the_complaint,
    is_bot,
    press,
    scripted_config,
    start_a_complaint,
    topic_with_card,
    wait_text,
)

pytestmark = [pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]

ESCALATION_CHAT_ID = -1001000000077
CUSTOMERS = 4
NOTES = 8  # follow-ups each customer writes at once, without waiting for anything
RECIPIENTS = 60


@pytest.fixture
def kefu_config(tmp_path: Path) -> Path:
    """Surveys sent at once, SLA scans every 5 s and breaches escalated."""
    escalated = f"scan_interval_seconds = 5\nescalation_chat_id = {ESCALATION_CHAT_ID}"
    return scripted_config(tmp_path, (r"(?m)^scan_interval_seconds = .*$", escalated))


@pytest.fixture
def deployment(
    sandbox: RunningSandbox, database_url: str, tmp_path: Path, kefu_config: Path
) -> Deployment:
    """Two instances serving the staff desk, not started yet."""
    return Deployment(
        sandbox,
        database_url,
        tmp_path,
        2,
        KEFU_STAFF_CHAT_ID=str(STAFF_CHAT_ID),
        KEFU_CONFIG=str(kefu_config),
    )


async def open_a_ticket(customer: SandboxUser, tag: str) -> str:
    await customer.send("/start")
    await press(customer, "Accept")
    await wait_text(customer, "welcome")
    await ask_a_person(customer, tag)
    told = await wait_text(customer, "is open")
    found = re.search(r"Your ticket (K-\d+) is open", text_of(told))
    assert found, text_of(told)
    return found[1]


async def a_customer_writes_in_bursts(
    client: SandboxClient, customer: SandboxUser, staff: SandboxUser
) -> tuple[str, int, list[str]]:
    """A ticket, a staff reply, then NOTES follow-ups written at once, then /resolve; the
    ticket, its topic and the follow-ups in the order written."""
    tag = f"c{customer.id}"
    number = await open_a_ticket(customer, tag)
    thread = await topic_with_card(client, number)
    await staff.send(f"Reply {tag}: on it.", chat_id=STAFF_CHAT_ID, thread_id=thread)
    await wait_text(customer, f"Reply {tag}")
    notes = [f"Note {n} of {tag}" for n in range(1, NOTES + 1)]
    for note in notes:  # each its own update, delivered to whichever instance is next
        await customer.send(note)
    topic = client.chat(STAFF_CHAT_ID, thread)

    def relayed(messages: list) -> bool:
        shown = [text_of(m) for m in messages]
        return all(any(note in text for text in shown) for note in notes)

    await topic.wait_until(relayed, timeout=30)
    await staff.send("/resolve", chat_id=STAFF_CHAT_ID, thread_id=thread)
    await wait_text(customer, f"Your ticket {number} has been resolved")
    await wait_text(customer, SURVEY)
    return number, thread, notes


async def test_two_instances_keep_each_chat_in_order_and_do_each_thing_once(
    client: SandboxClient, database_url: str, kefu_config: Path, deployment: Deployment
) -> None:
    stories = await cast(client, CUSTOMERS)  # the staff desk, its staff, the customers
    manager = await client.create_user(3001, "Amy", language_code="en")
    await client.create_group(ESCALATION_CHAT_ID, "Managers", is_forum=False, members=[manager.id])
    recipients = await prepare_campaign(client, database_url, RECIPIENTS)
    # Opened three days ago, unanswered: their SLA alerts are due at start-up.
    overdue = await seed_tickets(database_url, kefu_config, datetime.now(UTC) - timedelta(days=3))
    async with deployment.running():
        results = await asyncio.gather(
            *(a_customer_writes_in_bursts(client, s.customer, s.staff) for s in stories)
        )

        async def campaign_done() -> bool:
            sends = await campaign_sends(client)
            return all(sends[i] for i in recipients)

        async def alerts_done() -> bool:
            rows = await alert_rows(deployment.first)
            due = [r for r in rows if r["key"][0] in overdue]
            return bool(due) and all(r["status"] != "pending" for r in due)

        await deployment.first.until(campaign_done, 30, "the campaign reaches everyone")
        await deployment.first.until(alerts_done, 30, "the overdue tickets' alerts go out")
        for kefu in deployment.instances:
            assert await kefu.stop() == 0, deployment.tails()
        rows = await alert_rows(deployment.first)
        topics = dict(await deployment.first.query("SELECT staff_topic_id, number FROM tickets"))

    # Both instances took deliveries: the proxy is not quietly sending all to one.
    assert len(deployment.proxy.served) == 2 and min(deployment.proxy.served.values()) > 5

    # Every chat in order, every follow-up once.
    for number, thread, notes in results:
        shown = [text_of(m) for m in await client.chat(STAFF_CHAT_ID, thread).messages()]
        copies = [
            next(n for n in notes if n in text) for text in shown if any(n in text for n in notes)
        ]
        assert copies == notes, f"{number}: the topic shows {copies}"

    # One survey per resolved ticket.
    for story in stories:
        surveys = [
            m
            for m in await story.customer.chat.messages()
            if is_bot(m) and text_of(m).startswith(SURVEY)
        ]
        assert len(surveys) == 1, f"customer {story.customer.id} got {len(surveys)} surveys"

    # Each campaign message once.
    sends = await campaign_sends(client)
    assert Counter(sends[i] for i in recipients) == Counter({1: RECIPIENTS})

    # One topic per ticket, and every SLA alert sent once in each of its destinations.
    forum = await client.chat(STAFF_CHAT_ID).topics()
    for number in overdue + [number for number, _, _ in results]:
        named = [t for t in forum if t["name"].startswith(f"#{number} ")]
        assert len(named) == 1, f"{number} has topics {named}"
    staff_messages = await client.chat(STAFF_CHAT_ID).messages()
    escalation = await client.chat(ESCALATION_CHAT_ID).messages()
    posted = postings(staff_messages, escalation, topics)
    sent = [row for row in rows if row["status"] == "sent"]
    assert {row["key"][0] for row in sent} >= set(overdue)
    for row in sent:
        for where in destinations(row["key"]):
            assert posted[(row["key"], where)] == 1, f"{row['key']} in {where}: {dict(posted)}"
    assert sum(posted.values()) == sum(len(destinations(row["key"])) for row in sent)


async def test_an_instance_killed_mid_campaign_leaves_the_rest_to_the_other(
    client: SandboxClient, database_url: str, deployment: Deployment
) -> None:
    stories = await cast(client, 1)
    recipients = await prepare_campaign(client, database_url, 200)
    async with deployment.running():
        doomed, survivor = deployment.instances

        async def some_sent() -> bool:
            return sum((await campaign_sends(client)).values()) >= 60

        await survivor.until(some_sent, 30, "the campaign is under way")
        await doomed.kill()
        assert sum((await campaign_sends(client)).values()) < len(recipients)

        # Customers are still answered: the proxy sends their updates to the survivor.
        customer = stories[0].customer
        number = await open_a_ticket(customer, "after-the-kill")

        async def all_sent() -> bool:
            sends = await campaign_sends(client)
            queued = await survivor.scalar(
                "SELECT count(*) FROM campaign_recipients WHERE status IN ('pending', 'sending')"
            )
            return all(sends[i] for i in recipients) and queued == 0

        await survivor.until(all_sent, 60, "the survivor finishes the campaign")
        assert await survivor.stop() == 0, deployment.tails()

    sends = await campaign_sends(client)
    duplicates = sum(sends[i] - 1 for i in recipients if sends[i] > 1)
    assert all(sends[i] >= 1 for i in recipients)
    assert duplicates <= DEFAULT_CONCURRENCY, f"{duplicates} sent twice"
    assert number.startswith("K-")


async def test_a_flow_cut_short_by_a_kill_goes_on_at_its_step_on_the_other_instance(
    client: SandboxClient, database_url: str, deployment: Deployment
) -> None:
    """A flow stays with the instance handling it (its place and its timer are there); killed,
    that instance leaves it to the other, which reads the flow back and goes on."""
    stories = await cast(client, 1)
    customer = stories[0].customer
    async with deployment.running():
        await customer.send("/start")
        await press(customer, "Accept")
        await wait_text(customer, "welcome")
        await start_a_complaint(customer)

        # The instance holding the customer's chat is killed: the flow waits for the text.
        holder = await deployment.first.scalar("SELECT holder FROM inbox_lanes")
        pid = int(holder.split(":")[1])
        doomed = next(k for k in deployment.instances if k.process and k.process.pid == pid)
        survivor = next(k for k in deployment.instances if k is not doomed)
        await doomed.kill()

        await finish_the_complaint(customer, "The parcel came three days late (after a kill).")
        told = await wait_text(customer, "is open")
        assert await survivor.stop() == 0, deployment.tails()

    description = await deployment.first.scalar("SELECT description FROM tickets")
    assert description == "The parcel came three days late (after a kill)."
    assert "K-" in text_of(told)
