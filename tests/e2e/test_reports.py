"""Reports, end to end: /report, /compliance and /export through the sandbox.

Last week's tickets are made the way customers and staff make them: the bot's clock is set back
to last Tuesday morning, two customers ask a person a question, Li Wei answers each in its topic
and resolves it, and the clock comes back to now. The default period of every command is that
last full week (Monday to Sunday, business time).

The bot runs with the shipped configuration minus the scheduled reports, so that an admin's chat
holds only what the test asked for; the scheduled ones are tested in
tests/reliability/test_report_kill.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.clock import ShiftedClock
from bot.config import DEFAULT_CONFIG, Settings
from sandbox.chatview import ChatView, Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from tests.conftest import ALICE, AMY, STAFF_CHAT_ID, Person, RunningBot, accept_privacy
from tests.e2e.helpers import BUSINESS_ZONE, ask_a_person, business_today, wait_for_topic

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]

ZHANG = Person(3002, "张敏", "zhangmin_admin", "zh-hans")  # a second admin, who reads Chinese
GU = Person(2002, "顾磊", "gulei_support", "zh-hans")  # a staff member who reads Chinese
BOB = Person(1004, "Bob", "bob_k", "en")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ACCEPTED = "Please give week, month, quarter, or a range of dates like 2026-11-01..2026-11-30."
NOT_HERE = (
    "Reports are for admins, in a private chat with me, and for staff, in the staff group's "
    "General topic."
)
EMPTY = "Nothing happened in this period"
APOLOGY = "Sorry, something went wrong"
QUESTIONS = {
    ALICE.id: "Is there a store in Suzhou?",
    BOB.id: "Can the massage chair be moved upstairs?",
}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The shipped business configuration without its scheduled reports; Amy and Zhang admin."""
    shipped = DEFAULT_CONFIG.read_text(encoding="utf-8")
    unscheduled = shipped.replace('scheduled = ["week", "month"]', "scheduled = []")
    assert unscheduled != shipped, "the shipped [reports] schedule moved: update this fixture"
    config = tmp_path / "kefu.toml"
    config.write_text(unscheduled, encoding="utf-8")
    return Settings(
        database_url=database_url,
        staff_chat_id=STAFF_CHAT_ID,
        admin_ids=[AMY.id, ZHANG.id],
        timezone="Asia/Shanghai",
        config=config,
    )


@pytest.fixture(autouse=True)
async def no_apology(kefu_bot: RunningBot, client: SandboxClient) -> AsyncIterator[None]:
    """Whatever a test asked, nobody got the bot's apology for an error on its side."""
    yield
    for found in await client.chats("all"):
        chat_id = found["chat"]["id"]
        messages = await client.chat(chat_id).messages()
        apologies = [text_of(m) for m in messages if APOLOGY in text_of(m)]
        assert not apologies, f"chat {chat_id}: {apologies}"


@pytest.fixture
async def zhang(client: SandboxClient) -> SandboxUser:
    return await client.create_user(
        ZHANG.id, ZHANG.first_name, username=ZHANG.username, language_code=ZHANG.language_code
    )


@pytest.fixture
async def desk_in_use(staff_member: SandboxUser) -> None:
    # The sandbox numbers a new forum's first topic 1, which is General's id: a real staff chat
    # has older messages.
    await staff_member.send("Good morning, team!", chat_id=STAFF_CHAT_ID)


# --- last week's tickets ------------------------------------------------------------------------


def last_full_week(today: date) -> tuple[date, date]:
    monday = today - timedelta(days=today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def week_label(today: date) -> str:
    monday, sunday = last_full_week(today)
    return f"{monday.isoformat()} – {sunday.isoformat()}"


async def topic_view(client: SandboxClient, number: str) -> ChatView:
    """The ticket's topic once its card is posted (from then on a reply there is the ticket's)."""
    topic = await wait_for_topic(client, f"#{number} ")
    view = client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
    await view.wait_until(lambda messages: any(f"#{number}" in text_of(m) for m in messages))
    return view


async def answered_last_tuesday(
    clock: ShiftedClock,
    client: SandboxClient,
    staff: SandboxUser,
    customers: list[SandboxUser],
) -> dict[str, ChatView]:
    """Each customer asks a person a question last Tuesday at 10:00; `staff` takes the ticket
    in its topic, answers it a moment later and resolves it; the clock comes back to now.
    Ticket number -> its topic."""
    tuesday = last_full_week(business_today(clock))[0] + timedelta(days=1)
    clock.offset = datetime.combine(tuesday, time(10), BUSINESS_ZONE) - datetime.now(UTC)
    topics = {}
    for customer in customers:
        await accept_privacy(customer)
        confirmation = await ask_a_person(customer, QUESTIONS[customer.id])
        found = re.search(r"K-\d{6}", confirmation)
        assert found is not None, confirmation
        number = found.group()
        topic = await topic_view(client, number)
        in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}
        await staff.send("/assign", **in_topic)
        await topic.wait_for_text("now handles this ticket")
        await staff.send("Yes, we can help with that.", **in_topic)
        await customer.chat.wait_for_text("Yes, we can help with that.")
        await staff.send("/resolve", **in_topic)
        await customer.chat.wait_for_text(f"Your ticket {number} has been resolved")
        topics[number] = topic
    clock.offset = timedelta()
    return topics


@pytest.fixture
async def last_week(
    desk_in_use: None,
    clock: ShiftedClock,
    client: SandboxClient,
    alice: SandboxUser,
    staff_member: SandboxUser,
) -> dict[str, ChatView]:
    """Alice's and Bob's questions, asked last Tuesday, answered and resolved by Li Wei."""
    bob = await client.create_user(BOB.id, BOB.first_name, language_code=BOB.language_code)
    return await answered_last_tuesday(clock, client, staff_member, [alice, bob])


# --- reading a chat -----------------------------------------------------------------------------


async def photos_after(chat: ChatView, message: Message) -> list[Message]:
    """The photos the bot sent after `message`, once at least one has arrived (a report's charts
    go out in one media group, so they arrive together)."""

    def photos(messages: list[Message]) -> list[Message]:
        return [
            m
            for m in messages
            if m["message_id"] > message["message_id"] and m["from"]["is_bot"] and "photo" in m
        ]

    return photos(await chat.wait_until(lambda messages: bool(photos(messages))))


async def assert_png_charts(client: SandboxClient, charts: list[Message]) -> None:
    for chart in charts:
        png = await client.file(chart["photo"][-1]["file_id"])
        assert png.startswith(PNG_SIGNATURE), png[:16]


# --- /report -------------------------------------------------------------------------------------


async def test_an_admin_reads_last_weeks_report_with_its_figures_and_charts(
    last_week: dict[str, ChatView], admin: SandboxUser, client: SandboxClient, clock: ShiftedClock
) -> None:
    await admin.send("/report")

    report = await admin.chat.wait_for_text("Service report")
    text = report["text"]
    assert text.startswith(f"Service report · {week_label(business_today(clock))}")
    for line in (
        "Opened: 2 (0 · +2)",
        "Resolved: 2 (0 · +2)",
        "Backlog at the end: 0",
        "Consultation 2",
        "Li Wei: 2 resolved",
        "First response within 2 hours",
    ):
        assert line in text, line
    charts = await photos_after(admin.chat, report)
    assert charts
    await assert_png_charts(client, charts)


async def test_an_admin_who_reads_chinese_gets_the_report_in_chinese(
    last_week: dict[str, ChatView], zhang: SandboxUser, client: SandboxClient
) -> None:
    await zhang.send("/report")

    report = await zhang.chat.wait_for_text("服务报告")
    assert "新建: 2" in report["text"]
    assert "Service report" not in report["text"]
    await assert_png_charts(client, await photos_after(zhang.chat, report))


async def test_staff_read_the_report_in_general_in_the_desks_language(
    last_week: dict[str, ChatView], staff_member: SandboxUser, client: SandboxClient
) -> None:
    gu = await client.create_user(GU.id, GU.first_name, language_code=GU.language_code)
    await client.create_group(
        STAFF_CHAT_ID,
        "Kefu Staff Desk",
        is_forum=True,
        members=[staff_member.id, AMY.id, gu.id],
        admins=[AMY.id],
    )
    general = client.chat(STAFF_CHAT_ID, 1)
    await general.catch_up()

    await staff_member.send("/report", chat_id=STAFF_CHAT_ID)
    report = await general.wait_for_text("Service report")
    assert "Opened: 2" in report["text"]
    await assert_png_charts(client, await photos_after(general, report))

    # A colleague whose Telegram speaks Chinese reads the desk's language (English) too.
    await general.catch_up()
    await gu.send("/report", chat_id=STAFF_CHAT_ID)
    again = await general.wait_for_text("Opened: 2")
    assert again["text"].startswith("Service report")


async def test_a_staff_members_name_reads_as_written_in_the_report(
    desk_in_use: None,
    clock: ShiftedClock,
    client: SandboxClient,
    alice: SandboxUser,
    admin: SandboxUser,
    staff_member: SandboxUser,
) -> None:
    obrien = await client.create_user(2003, "Seán", last_name="O'Brien", language_code="en")
    await client.create_group(
        STAFF_CHAT_ID,
        "Kefu Staff Desk",
        is_forum=True,
        members=[staff_member.id, AMY.id, obrien.id],
        admins=[AMY.id],
    )
    await answered_last_tuesday(clock, client, obrien, [alice])

    await admin.send("/report")
    report = await admin.chat.wait_for_text("Service report")
    assert "Seán O'Brien: 1 resolved" in report["text"]


async def test_a_report_is_refused_in_a_ticket_topic_and_to_a_customer(
    last_week: dict[str, ChatView], staff_member: SandboxUser, alice: SandboxUser
) -> None:
    number, topic = next(iter(last_week.items()))
    await topic.catch_up()
    await alice.chat.catch_up()
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}

    # Each refusal is awaited before the next command: a report after the first would come
    # before the second refusal (one chat's updates are handled in order).
    await staff_member.send("/report", **in_topic)
    await staff_member.send("/report month", **in_topic)
    assert [m["text"] for m in await topic.wait_for_bot_messages(2)] == [NOT_HERE, NOT_HERE]
    # The customer saw none of it: the next thing they get is Li Wei's next reply.
    await staff_member.send("One more thing: the store opens at 10.", **in_topic)
    nxt = await alice.chat.wait_for_bot_message()
    assert "the store opens at 10" in nxt["text"], number

    await alice.send("/report")
    await alice.send("/report week")
    assert [m["text"] for m in await alice.chat.wait_for_bot_messages(2)] == [NOT_HERE, NOT_HERE]


@pytest.mark.parametrize(
    ("period", "reason"),
    [
        ("yesterday", "I do not know that period."),
        ("2026-11-30..2026-11-01", "That range ends before it starts."),
        ("2020-01-01..2026-01-01", "A report covers at most two years."),
        ("2026-02-30..2026-03-02", "I do not know that period."),
    ],
)
async def test_a_period_the_bot_cannot_read_gets_one_sentence(
    admin: SandboxUser, period: str, reason: str
) -> None:
    await admin.send(f"/report {period}")
    await admin.send("/report 2020-01-01..2020-01-07")  # answered next, as one chat goes in order

    refusal, following = await admin.chat.wait_for_bot_messages(2)
    assert refusal["text"] == f"{reason} {ACCEPTED}"
    assert EMPTY in following["text"]


@pytest.mark.parametrize("command", ["/compliance", "/export"])
async def test_compliance_and_export_refuse_a_bad_period_alike(
    admin: SandboxUser, command: str
) -> None:
    await admin.send(f"{command} 2026-11-30..2026-11-01")
    await admin.send("/report 2020-01-01..2020-01-07")

    refusal, following = await admin.chat.wait_for_bot_messages(2)
    assert refusal["text"] == f"That range ends before it starts. {ACCEPTED}"
    assert EMPTY in following["text"]  # nothing came between: no document, no compliance


async def test_a_chinese_admin_is_told_about_a_bad_period_in_chinese(zhang: SandboxUser) -> None:
    await zhang.send("/report 昨天")
    refusal = await zhang.chat.wait_for_bot_message()
    assert refusal["text"].startswith("无法识别该期间。")
    assert "2026-11-01..2026-11-30" in refusal["text"]


async def test_an_empty_period_says_so_and_draws_no_chart(
    last_week: dict[str, ChatView], admin: SandboxUser
) -> None:
    await admin.send("/report 2020-01-01..2020-01-07")
    await admin.send("/report yesterday")

    empty, following = await admin.chat.wait_for_bot_messages(2)
    assert empty["text"].startswith("Service report · 2020-01-01 – 2020-01-07")
    assert EMPTY in empty["text"] and "Opened" not in empty["text"]
    assert following["text"].startswith("I do not know that period.")  # no photo in between


# --- /compliance ---------------------------------------------------------------------------------


async def test_compliance_lists_each_contract_clause_met_or_not(
    last_week: dict[str, ChatView], admin: SandboxUser, clock: ShiftedClock
) -> None:
    await admin.send("/compliance")

    found = await admin.chat.wait_for_text("Contract compliance")
    text = found["text"]
    assert text.startswith(f"Contract compliance · {week_label(business_today(clock))}")
    lines = text.splitlines()

    def line_of(title: str) -> str:
        return next(line for line in lines if title in line)

    # Both tickets were answered within a minute; no campaign asked anyone how we did.
    assert line_of("First response within 2 hours").startswith("✅")
    assert "2 of 2" in line_of("First response within 2 hours")
    assert line_of("First response within 24 hours").startswith("✅")
    assert line_of("A satisfaction survey every quarter").startswith("❌")
    assert "Every complaint handled in time" in text


# --- /export -------------------------------------------------------------------------------------


async def test_an_admin_exports_last_weeks_tickets_as_csv_and_json(
    last_week: dict[str, ChatView], admin: SandboxUser, client: SandboxClient, clock: ShiftedClock
) -> None:
    await admin.send("/export")

    documents = await admin.chat.wait_for_bot_messages(2)
    monday, sunday = last_full_week(business_today(clock))
    stem = f"kefu-tickets-{monday.isoformat()}-{sunday.isoformat()}"
    names = [m["document"]["file_name"] for m in documents]
    assert names == [f"{stem}.csv", f"{stem}.json"]
    as_csv, as_json = [await client.file(m["document"]["file_id"]) for m in documents]

    rows = list(csv.DictReader(io.StringIO(as_csv.decode("utf-8-sig"))))
    assert sorted(row["ticket"] for row in rows) == sorted(last_week)
    assert {row["status"] for row in rows} == {"resolved"}
    document = json.loads(as_json)
    assert document["count"] == 2
    assert sorted(ticket["number"] for ticket in document["tickets"]) == sorted(last_week)
    # Without personal data: neither the customers' names nor what they wrote.
    for personal in ("Alice", "Bob", *QUESTIONS.values()):
        assert personal not in as_csv.decode("utf-8-sig") and personal not in as_json.decode()


async def test_only_an_admin_in_a_private_chat_may_export(
    desk_in_use: None,
    admin: SandboxUser,
    staff_member: SandboxUser,
    alice: SandboxUser,
    client: SandboxClient,
) -> None:
    for person in (staff_member, alice):
        await person.send("/export")
        refusal = await person.chat.wait_for_bot_message()
        assert refusal["text"] == "Sorry, only Kefu's administrators can export.", person

    general = client.chat(STAFF_CHAT_ID, 1)
    await general.catch_up()
    await admin.send("/export", chat_id=STAFF_CHAT_ID)
    refusal = await general.wait_for_bot_message()
    assert refusal["text"] == "Please ask for exports in a private chat with me."
    assert "document" not in refusal
