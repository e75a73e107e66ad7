"""Follow-up visits (回访), end to end: staff resolve a ticket in its topic, the clock moves on by
the ticket type's `[care.followup_days]`, and the customer is asked through the campaign outbox
whether the product still works well.

The scan is run directly (`queue_due_visits`) after moving the clock, rather than waiting for
its job; the job does the same thing, and the campaign sender it wakes is the running bot's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.clock import ShiftedClock
from bot.services import Kefu
from domain.care.visits import queue_due_visits
from domain.desk import lifecycle, topics
from domain.desk.lifecycle import TicketDraft
from domain.privacy import erasure
from domain.surveys.questions import visit_question
from sandbox.chatview import ChatView, Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from storage import customers, events, outbox, tickets, visits
from storage.enums import EventKind, TicketStatus, TicketType
from storage.models import Ticket
from storage.survey_models import CampaignRecipient, DeliveryStatus
from tests.conftest import STAFF_CHAT_ID, TOKEN, RunningBot, accept_privacy
from tests.e2e.helpers import wait_for_topic
from tests.e2e.test_button_presses import assert_each_press_answered_once
from tests.e2e.test_campaigns import wait_for

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]

PURIFIER = "ro-purifier-600"
ASKED = "since we resolved ticket"
PROBLEM_BACK = "No, the problem is back"
TOLD_STAFF = "Follow-up visit: the customer says the problem is back."


@dataclass(frozen=True)
class Resolved:
    ticket_id: int
    number: str
    topic: ChatView


@pytest.fixture
async def bot(sandbox: RunningSandbox) -> AsyncIterator[Bot]:
    """A handle on Kefu's bot account, to announce tickets as the intake does."""
    async with Bot(TOKEN, base_url=sandbox.bot_api_url, base_file_url=sandbox.file_url) as handle:
        yield handle


@pytest.fixture
async def bob(client: SandboxClient) -> SandboxUser:
    """Another English-speaking customer: the one whose visit shows that the sender ran."""
    return await client.create_user(1004, "Bob", username="bob_l", language_code="en")


async def resolved_by_staff(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    user: SandboxUser,
    kind: TicketType = TicketType.REPAIR,
    product: str | None = PURIFIER,
) -> Resolved:
    """A ticket of a customer who accepted the privacy notice, opened in its topic and resolved
    there by staff with /resolve."""
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, user.id)
        assert customer is not None
    draft = TicketDraft(
        type=kind, product_id=product, serial_number="SN-4411", description="It leaks."
    )
    created = await lifecycle.create(kefu, customer.id, draft)
    await topics.announce_ticket(bot, kefu, created.ticket_id)
    thread = (await wait_for_topic(client, f"#{created.number}"))["message_thread_id"]
    topic = client.chat(STAFF_CHAT_ID, thread)
    await staff_member.send("/resolve", chat_id=STAFF_CHAT_ID, thread_id=thread)
    await user.chat.wait_for_text(created.number)  # told of the resolution, in their language
    await topic.catch_up()
    await user.chat.catch_up()
    return Resolved(created.ticket_id, created.number, topic)


async def days_later(kefu: Kefu, clock: ShiftedClock, days: int) -> None:
    clock.advance(timedelta(days=days, minutes=1))
    await queue_due_visits(kefu)


async def ticket(kefu: Kefu, ticket_id: int) -> Ticket:
    async with kefu.db.read_only() as session:
        found = await tickets.get(session, ticket_id)
    assert found is not None
    return found


async def rows_of(kefu: Kefu, ticket_id: int) -> list[CampaignRecipient]:
    async with kefu.db.read_only() as session:
        query = select(CampaignRecipient).where(CampaignRecipient.ticket_id == ticket_id)
        return list(await session.scalars(query))


async def visit_events(kefu: Kefu, ticket_id: int) -> list[tuple[dict, str | None]]:
    async with kefu.db.read_only() as session:
        record = await events.history(session, ticket_id)
    return [(e.data, e.text) for e in record if e.kind == EventKind.VISIT]


def asked(number: str) -> str:
    """What every English visit about ticket `number` says."""
    return f"{ASKED} {number}"


def visits_in(messages: list[Message], number: str) -> int:
    return sum(asked(number) in text_of(m) for m in messages)


# --- the visit and its answers ------------------------------------------------------------------


async def test_a_repair_brings_a_visit_a_week_later_and_yes_takes_a_comment(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    resolved = await resolved_by_staff(kefu, bot, client, staff_member, alice)

    await days_later(kefu, clock, 6)  # not yet: repairs are visited after 7 days
    assert await rows_of(kefu, resolved.ticket_id) == []
    await days_later(kefu, clock, 1)

    visit = await alice.chat.wait_for_text(ASKED)
    assert visit["text"] == (
        f"How is your AquaPure 600G RO water purifier doing since we resolved ticket "
        f"{resolved.number}? Is everything working well?"
    )
    assert await alice.press("Yes") == {"text": "Thank you!", "show_alert": False}
    await alice.chat.wait_for_text("Would you like to tell us more?")
    await alice.send("Works like new, thanks.")
    await alice.chat.wait_for_text("Thank you for your feedback!")
    await alice.chat.wait_for_edit(visit["message_id"], "Your answer: Yes")

    [row] = await rows_of(kefu, resolved.ticket_id)
    assert (row.status, row.answer, row.comment) == (
        DeliveryStatus.SENT,
        1,
        "Works like new, thanks.",
    )
    assert await visit_events(kefu, resolved.ticket_id) == [
        ({"answer": "yes"}, None),
        ({"comment": True}, "Works like new, thanks."),
    ]
    assert (await ticket(kefu, resolved.ticket_id)).status == TicketStatus.RESOLVED


async def test_the_visit_speaks_the_customers_language(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    wang: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(wang)
    resolved = await resolved_by_staff(kefu, bot, client, staff_member, wang)
    await days_later(kefu, clock, 7)

    chinese = kefu.catalogs.for_language("zh_Hans")
    asked = visit_question(chinese, resolved.number, "AquaPure 600G 反渗透净水器")
    visit = await wang.chat.wait_for_text(asked)
    assert visit["text"] == asked
    labels = [b["text"] for row in visit["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0] == "是" and labels[-1] == "停止接收此类消息"
    await wang.press("是")
    await wang.chat.wait_for_text(
        chinese.t("Thank you! Would you like to tell us more? Just type it here.")
    )
    await wang.send("很好用。")
    await wang.chat.wait_for_text(chinese.t("Thank you for your feedback!"))

    [row] = await rows_of(kefu, resolved.ticket_id)
    assert (row.language, row.answer, row.comment) == ("zh_Hans", 1, "很好用。")


async def test_no_inside_the_reopen_window_reopens_the_ticket_and_tells_its_topic(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    # Complaints are visited after 3 days, well inside the 7-day reopen window.
    resolved = await resolved_by_staff(
        kefu, bot, client, staff_member, alice, kind=TicketType.COMPLAINT, product=None
    )
    await days_later(kefu, clock, 3)
    visit = await alice.chat.wait_for_text(ASKED)
    assert resolved.number in visit["text"]

    assert await alice.press(PROBLEM_BACK) == {"text": "Thank you!", "show_alert": False}

    told = await alice.chat.wait_for_text("We have reopened ticket")
    assert resolved.number in told["text"]
    await resolved.topic.wait_for_text(TOLD_STAFF)
    await alice.chat.wait_for_edit(visit["message_id"], f"Your answer: {PROBLEM_BACK}")
    reopened = await ticket(kefu, resolved.ticket_id)
    assert reopened.status == TicketStatus.OPEN
    assert await visit_events(kefu, resolved.ticket_id) == [({"answer": "no"}, None)]
    async with kefu.db.read_only() as session:
        everything = await session.scalars(select(Ticket.number))
        assert list(everything) == [resolved.number]  # no second ticket
        now = kefu.clock.now()
        hour = await visits.repeat_problem_share(session, now - timedelta(hours=1), now)
        assert hour.part == 1


async def test_yes_then_no_the_same_day_reopens_and_what_follows_goes_to_the_ticket(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    resolved = await resolved_by_staff(
        kefu, bot, client, staff_member, alice, kind=TicketType.COMPLAINT, product=None
    )
    await days_later(kefu, clock, 3)
    visit = await alice.chat.wait_for_text(ASKED)
    await alice.press("Yes")
    await alice.chat.wait_for_text("Would you like to tell us more?")

    clock.advance(timedelta(minutes=5))  # it broke again after all
    await alice.press(PROBLEM_BACK, message_id=visit["message_id"])
    await alice.chat.wait_for_text("We have reopened ticket")
    await alice.send("It is leaking again.")

    await resolved.topic.wait_for_text("It is leaking again.")
    [row] = await rows_of(kefu, resolved.ticket_id)
    assert (row.answer, row.comment) == (0, None)
    assert await visit_events(kefu, resolved.ticket_id) == [
        ({"answer": "yes"}, None),
        ({"answer": "no"}, None),
    ]


async def test_no_after_the_reopen_window_opens_a_linked_ticket_with_its_own_topic(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    resolved = await resolved_by_staff(kefu, bot, client, staff_member, alice)
    await days_later(kefu, clock, 7)  # the reopen window (7 days) has just passed
    await alice.chat.wait_for_text(ASKED)

    await alice.press(PROBLEM_BACK)

    told = await alice.chat.wait_for_text("We have opened ticket")
    async with kefu.db.read_only() as session:
        repeat = await session.scalar(select(Ticket).where(Ticket.id != resolved.ticket_id))
    assert repeat is not None and repeat.number in told["text"]
    assert (repeat.type, repeat.product_id, repeat.serial_number, repeat.status) == (
        TicketType.REPAIR,
        PURIFIER,
        "SN-4411",
        TicketStatus.OPEN,
    )
    assert repeat.details == {"repeat_of": resolved.number}
    assert repeat.description is not None and resolved.number in repeat.description
    thread = (await wait_for_topic(client, f"#{repeat.number}"))["message_thread_id"]
    assert thread != resolved.topic.thread_id
    await client.chat(STAFF_CHAT_ID, thread).wait_for_text(TOLD_STAFF)
    assert (await ticket(kefu, resolved.ticket_id)).status != TicketStatus.OPEN
    assert await visit_events(kefu, resolved.ticket_id) == [({"answer": "no"}, None)]


# --- once per ticket ----------------------------------------------------------------------------


async def test_a_visit_is_sent_once_across_repeated_scans_a_dead_sender_and_a_restart(
    kefu_bot: RunningBot,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    clock: ShiftedClock,
) -> None:
    kefu = kefu_bot.kefu
    assert kefu is not None
    await accept_privacy(alice)
    first = await resolved_by_staff(kefu, bot, client, staff_member, alice)
    await kefu_bot.stop()
    clock.advance(timedelta(days=7, minutes=1))
    # A scan, then a sender that claimed the visit and died before sending it.
    await queue_due_visits(kefu)
    async with kefu.db.unit_of_work() as session:
        claimed = await outbox.claim(session, worker="dead", limit=10, lease=timedelta(0))
    assert [d.ticket_id for d in claimed] == [first.ticket_id]
    await kefu.db.dispose()

    await kefu_bot.start()
    kefu = kefu_bot.kefu
    assert kefu is not None
    await alice.chat.wait_for_text(asked(first.number))
    await queue_due_visits(kefu)
    await queue_due_visits(kefu)
    # A later visit: the sender goes in order, so once it is here the first one had its turn.
    second = await resolved_by_staff(kefu, bot, client, staff_member, alice, product=None)
    await days_later(kefu, clock, 7)
    await alice.chat.wait_for_text(asked(second.number))

    messages = await alice.chat.messages()
    assert (visits_in(messages, first.number), visits_in(messages, second.number)) == (1, 1)
    [row] = await rows_of(kefu, first.ticket_id)
    assert row.status == DeliveryStatus.SENT


# --- who gets none ------------------------------------------------------------------------------


async def test_a_consultation_gets_no_visit(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    bob: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    await accept_privacy(bob)
    question = await resolved_by_staff(
        kefu, bot, client, staff_member, alice, kind=TicketType.CONSULTATION, product=None
    )
    repair = await resolved_by_staff(kefu, bot, client, staff_member, bob)

    await days_later(kefu, clock, 8)

    await bob.chat.wait_for_text(asked(repair.number))  # the scan ran, and the sender with it
    assert await rows_of(kefu, question.ticket_id) == []
    assert visits_in(await alice.chat.messages(), question.number) == 0


async def test_a_customer_who_withdrew_consent_gets_no_visit(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    bob: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    await accept_privacy(bob)
    withdrawn = await resolved_by_staff(kefu, bot, client, staff_member, alice)
    control = await resolved_by_staff(kefu, bot, client, staff_member, bob)
    await alice.send("/privacy")
    await alice.chat.wait_for_text("You have accepted this notice")
    await alice.press("Withdraw consent")
    await alice.chat.wait_for_text("Withdraw your consent?")
    await alice.press("Withdraw and erase")
    await alice.chat.wait_for_text("We have erased your personal data")

    await days_later(kefu, clock, 7)

    await bob.chat.wait_for_text(asked(control.number))
    [row] = await rows_of(kefu, withdrawn.ticket_id)
    assert (row.status, row.sent_at) == (DeliveryStatus.SKIPPED, None)
    assert visits_in(await alice.chat.messages(), withdrawn.number) == 0


async def test_a_pending_visit_is_skipped_once_its_customer_withdrew_consent(
    kefu_bot: RunningBot,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    bob: SandboxUser,
    clock: ShiftedClock,
) -> None:
    kefu = kefu_bot.kefu
    assert kefu is not None
    await accept_privacy(alice)
    await accept_privacy(bob)
    withdrawn = await resolved_by_staff(kefu, bot, client, staff_member, alice)
    control = await resolved_by_staff(kefu, bot, client, staff_member, bob)
    await kefu_bot.stop()
    clock.advance(timedelta(days=7, minutes=1))
    await queue_due_visits(kefu)  # both queued, neither sent: the bot is down
    assert [r.status for r in await rows_of(kefu, withdrawn.ticket_id)] == [DeliveryStatus.PENDING]
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, alice.id)
        assert customer is not None
    await erasure.erase(kefu, customer.id, withdrawn=True)
    await kefu.db.dispose()

    await kefu_bot.start()

    await bob.chat.wait_for_text(asked(control.number))
    running = kefu_bot.kefu
    assert running is not None

    async def skipped() -> bool:
        return [r.status for r in await rows_of(running, withdrawn.ticket_id)] == [
            DeliveryStatus.SKIPPED
        ]

    await wait_for(client, skipped, timeout=10)
    assert visits_in(await alice.chat.messages(), withdrawn.number) == 0


# --- presses that mean nothing ------------------------------------------------------------------


async def test_old_and_forged_presses_are_refused_politely_and_answered_once(
    kefu: Kefu,
    bot: Bot,
    client: SandboxClient,
    staff_member: SandboxUser,
    alice: SandboxUser,
    mallory: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    resolved = await resolved_by_staff(kefu, bot, client, staff_member, alice)
    await days_later(kefu, clock, 7)
    visit = await alice.chat.wait_for_text(ASKED)
    [row] = await rows_of(kefu, resolved.ticket_id)
    await alice.press("Yes")
    await alice.chat.wait_for_text("Would you like to tell us more?")
    await alice.press("No comment")

    # Someone else answering Alice's visit, a value no button has, a visit that does not exist.
    await mallory.send("/start")
    await mallory.chat.wait_for_text("Your privacy")
    forged = await mallory.press_forged(f"sv:c:{row.id}:0")
    assert forged is not None and forged["text"] == "This button is no longer valid."
    odd = await alice.press_forged(f"sv:c:{row.id}:7", message_id=visit["message_id"])
    assert odd is not None and odd["text"] == "This button is no longer valid."
    missing = await alice.press_forged(f"sv:c:{row.id + 1}:0", message_id=visit["message_id"])
    assert missing is not None and missing["text"] == "This button is no longer valid."
    # Two days on, the answer stands; after two weeks the visit has closed.
    clock.advance(timedelta(days=2))
    late = await alice.press(PROBLEM_BACK, message_id=visit["message_id"])
    assert late is not None and late["text"] == "Thank you, we already have your answer."
    clock.advance(timedelta(days=14))
    closed = await alice.press_forged(f"sv:c:{row.id}:0", message_id=visit["message_id"])
    assert closed is not None and "This survey has closed" in closed["text"]

    await assert_each_press_answered_once(client)
    [after] = await rows_of(kefu, resolved.ticket_id)
    assert (after.answer, after.comment) == (1, None)
    assert await visit_events(kefu, resolved.ticket_id) == [({"answer": "yes"}, None)]
    async with kefu.db.read_only() as session:
        assert list(await session.scalars(select(Ticket.number))) == [resolved.number]
    assert (await ticket(kefu, resolved.ticket_id)).status != TicketStatus.OPEN
