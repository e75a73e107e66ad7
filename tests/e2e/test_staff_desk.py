"""The staff desk, end to end: a topic per ticket, replies both ways, notes, buttons, records.

The staff chat speaks the business's staff language (English here); every customer hears back
in their own language.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from telegram import Bot

from bot.clock import ShiftedClock
from bot.i18n import Catalogs
from bot.services import Kefu
from domain.desk import jobs, lifecycle
from domain.desk.buttons import DeskButton
from domain.desk.topics import announce_ticket
from handlers.staff.relay import sign
from sandbox.chatview import ChatView, Message, inline_buttons, text_of
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from storage import customers, events, tickets
from storage.enums import EventKind, Language, Priority, TicketStatus, TicketType, Warranty
from storage.models import Ticket, TicketEvent
from tests.conftest import OTHER_GROUP_ID, STAFF_CHAT_ID, TOKEN, RunningBot, accept_privacy
from tests.e2e.helpers import TINY_PNG, wait_for_topic
from tests.e2e.test_campaigns import wait_for

pytestmark = pytest.mark.both_databases


@pytest.fixture
async def desk_open(kefu_bot: RunningBot, staff_member: SandboxUser) -> None:
    """Kefu running, with a staff chat that has been used before, as a real one has."""
    await staff_member.send("Good morning, team!", chat_id=STAFF_CHAT_ID)


@pytest.fixture
async def desk_bot(sandbox: RunningSandbox, desk_open: None) -> AsyncIterator[Bot]:
    """A second handle on Kefu's bot account, to call the desk's services directly."""
    async with Bot(
        TOKEN, base_url=f"{sandbox.base_url}/bot", base_file_url=f"{sandbox.base_url}/file/bot"
    ) as bot:
        yield bot


REPAIR = {
    "type": TicketType.REPAIR,
    "product_id": "massage-chair-m8",
    "serial_number": "M8-2024-0042",
    "warranty": Warranty.IN_WARRANTY,
    "description": "The screen stays black.",
    "details": {"visit": True, "address": "12 Garden Road", "time_window": "morning"},
}


async def open_ticket(
    kefu: Kefu,
    bot: Bot,
    customer: SandboxUser,
    *,
    language: Language,
    announce: bool = True,
    **fields: Any,
) -> str:
    """A consented customer's ticket (a repair unless `fields` say otherwise), stored as the
    intake stores it, then announced to the desk."""
    fields = {**REPAIR, **fields}
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        person = await customers.get_or_create_by_telegram(
            session, customer.id, now=now, language=language
        )
        await customers.record_consent(
            session, person, now=now, first_name=customer.user["first_name"]
        )
        ticket = await tickets.create(session, person, fields.pop("type"), now=now, **fields)
        ticket_id, number = ticket.id, ticket.number
    if announce:
        await announce_ticket(bot, kefu, ticket_id)
    return number


async def topic_of(client: SandboxClient, number: str) -> ChatView:
    """The ticket's topic in the staff chat, once the desk has opened it and posted its card
    (the topic is linked to the ticket before the card is posted)."""
    topic = await wait_for_topic(client, f"#{number} ")
    view = client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
    # wait_until leaves the view's cursor alone: tests read the topic from its start.
    await view.wait_until(lambda messages: any(f"#{number}" in text_of(m) for m in messages))
    return view


async def ticket_state(kefu: Kefu, number: str) -> tuple[Ticket, list[TicketEvent]]:
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None
        return ticket, await events.history(session, ticket.id)


async def wait_for_event(
    kefu: Kefu, number: str, kind: EventKind, timeout: float = 10
) -> tuple[Ticket, list[TicketEvent]]:
    """The ticket once its record has an event of `kind` (what the bot did is not in a chat)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        ticket, record = await ticket_state(kefu, number)
        if any(event.kind == kind for event in record):
            return ticket, record
        assert asyncio.get_running_loop().time() < deadline, f"no {kind} event on {number}"
        await asyncio.sleep(0.05)


def buttons(message: Message) -> list[str]:
    return [b["text"] for b in inline_buttons(message)]


# --- a ticket reaches the desk ------------------------------------------------------------------


@pytest.mark.usefixtures("desk_open")
async def test_a_repair_request_opens_a_topic_with_its_card_and_photo(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    await alice.press("ZeroG M8 massage chair")
    await alice.chat.wait_for_text("serial number")
    await alice.send("M8-2024-0042")
    await alice.chat.wait_for_text("When did you buy it?")
    await alice.send("2025-06-01")
    await alice.chat.wait_for_text("describe the problem")
    await alice.send("The backrest motor makes a grinding noise.")
    await alice.chat.wait_for_text("Send photos")
    await alice.send_photo(TINY_PNG)
    await alice.chat.wait_for_text("1 file received")
    await alice.press("Done")
    await alice.chat.wait_for_text("technician to visit")
    await alice.press("No visit needed")
    await alice.chat.wait_for_text("Please check your request")
    await alice.press("Confirm and send")
    await alice.chat.wait_for_text("K-000001")

    topic = await topic_of(client, "K-000001")
    topics = await client.chat(STAFF_CHAT_ID).topics()
    assert topics[0]["name"] == "#K-000001 · Repair · Alice"
    card = await topic.wait_for_text("#K-000001")
    for fact in ("Repair", "Normal", "Alice", "English", "ZeroG M8 massage chair", "M8-2024-0042"):
        assert fact in card["text"]
    assert "In warranty, until 2028-05-31" in card["text"]
    assert "grinding noise" in card["text"]
    assert buttons(card) == ["Claim", "Set priority", "Resolve"]
    copied = await topic.wait_for_bot_message()
    assert "photo" in copied
    assert await client.file(copied["photo"][-1]["file_id"]) == TINY_PNG


async def test_a_ticket_left_without_a_topic_gets_one_as_soon_as_kefu_starts(
    kefu_bot: RunningBot, desk_bot: Bot, alice: SandboxUser, client: SandboxClient
) -> None:
    """A crash between a ticket's commit and its topic: the restart opens the topic at once,
    not at the announce job's first tick (30 s later), which a bot crashing more often than
    that would never reach."""
    await kefu_bot.stop()
    assert kefu_bot.kefu is not None
    number = await open_ticket(
        kefu_bot.kefu, desk_bot, alice, language=Language.EN, announce=False
    )
    await kefu_bot.start()
    await wait_for_topic(client, f"#{number} ", timeout=5)


async def test_announcing_twice_opens_one_topic_and_copies_what_came_before(
    kefu: Kefu, desk_bot: Bot, wang: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy_zh(wang)
    number = await open_ticket(kefu, desk_bot, wang, language=Language.ZH_HANS, announce=False)
    await wang.send("还有，电源灯一直在闪。")  # before the desk has a topic: only recorded
    ticket, _ = await wait_for_event(kefu, number, EventKind.CUSTOMER_MESSAGE)

    await asyncio.gather(*(announce_ticket(desk_bot, kefu, ticket.id) for _ in range(2)))
    await announce_ticket(desk_bot, kefu, ticket.id)

    topics = await client.chat(STAFF_CHAT_ID).topics()
    assert [t["name"] for t in topics] == [f"#{number} · Repair · 王芳"]
    topic = await topic_of(client, number)
    card = await topic.wait_for_text(f"#{number}")
    assert "Customer: 王芳 (Simplified Chinese)" in card["text"]
    assert "Address: 12 Garden Road" in card["text"]
    assert "Morning (9:00–12:00)" in card["text"]
    earlier = await topic.wait_for_text("电源灯一直在闪")
    assert "The customer wrote" in earlier["text"]


async def test_a_return_card_shows_the_eligibility_verdict(
    kefu: Kefu, desk_bot: Bot, chen: SandboxUser, client: SandboxClient
) -> None:
    number = await open_ticket(
        kefu,
        desk_bot,
        chen,
        language=Language.ZH_HANT,
        type=TicketType.RETURN,
        product_id=None,
        serial_number=None,
        warranty=Warranty.UNKNOWN,
        order_number="JD-7781",
        delivery_date=date(2026, 11, 1),
        description="Wrong item sent",
        details={
            "reason": "wrong_item",
            "resolution": "refund",
            "eligible": False,
            "verdict": "window_passed",
            "window_last_day": "2026-11-16",
        },
    )
    card = await (await topic_of(client, number)).wait_for_text(f"#{number}")
    for line in (
        f"#{number} · Return",
        "Customer: 陳美玲 (Traditional Chinese)",
        "Order number: JD-7781",
        "Delivered: 2026-11-01",
        "Warranty: Unknown",
        "Return reason: Wrong item sent",
        "Customer wants: Refund",
        "Eligibility: Not eligible",
        "Verdict: the return period has passed",
        "Last day of the window: 2026-11-16",
    ):
        assert line in card["text"]


async def accept_privacy_zh(user: SandboxUser, accept: str = "同意") -> None:
    await user.send("/start")
    await user.chat.wait_for_bot_message()
    await user.press(accept)
    await user.chat.wait_for_bot_message()


# --- replies both ways --------------------------------------------------------------------------


async def test_a_staff_reply_reaches_the_customer_signed_in_their_language(
    kefu: Kefu, desk_bot: Bot, wang: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy_zh(wang)
    number = await open_ticket(kefu, desk_bot, wang, language=Language.ZH_HANS)
    topic = await topic_of(client, number)
    await wang.chat.catch_up()

    await staff_member.send(
        "您好，请问灯是红色还是绿色？", chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id
    )

    reply = await wang.chat.wait_for_text("请问灯是红色还是绿色")
    assert reply["text"].endswith("—— 客服 Li Wei")
    ticket, record = await wait_for_event(kefu, number, EventKind.STAFF_REPLY)
    assert ticket.first_response_at is not None
    first_response = ticket.first_response_at
    staff_reply = next(e for e in record if e.kind == EventKind.STAFF_REPLY)
    assert (staff_reply.actor_name, staff_reply.data) == ("Li Wei", {"delivered": True})

    await staff_member.send("还有一个问题。", chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id)
    await wang.chat.wait_for_text("还有一个问题")
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.first_response_at == first_response  # only the first reply counts


async def test_a_customer_follow_up_and_photo_are_copied_into_the_topic(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await topic.wait_for_text(f"#{number}")

    await alice.send("It also smells burnt.")
    copied = await topic.wait_for_text("It also smells burnt.")
    assert copied["from"]["is_bot"]
    await alice.send_photo(TINY_PNG)
    copied_photo = await topic.wait_for_bot_message()
    assert text_of(copied_photo) == "From the customer"
    assert await client.file(copied_photo["photo"][-1]["file_id"]) == TINY_PNG

    _, record = await ticket_state(kefu, number)
    said = [e.text for e in record if e.kind == EventKind.CUSTOMER_MESSAGE]
    assert said == ["It also smells burnt.", None]


async def test_a_follow_up_with_a_nul_character_is_kept_without_it(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, client: SandboxClient
) -> None:
    """PostgreSQL cannot store NUL in text: such a message would fail on every retry."""
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await topic.wait_for_text(f"#{number}")

    await alice.send("Model\x00 M8, still broken")
    await topic.wait_for_text("still broken")  # Telegram's own copy of the message
    _, record = await ticket_state(kefu, number)
    said = [e.text for e in record if e.kind == EventKind.CUSTOMER_MESSAGE]
    assert said == ["Model M8, still broken"]


async def test_a_customer_reply_puts_a_waiting_ticket_back_in_the_queue(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None
        await tickets.set_status(
            session,
            ticket,
            TicketStatus.WAITING_CUSTOMER,
            actor=events.Actor.system(),
            now=kefu.clock.now(),
        )
    await alice.send("Here is the receipt number: 88231.")
    await topic.wait_for_text("88231")
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.status == TicketStatus.OPEN


async def test_a_reply_to_a_customer_who_blocked_the_bot_is_reported_in_the_topic(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await topic.wait_for_text(f"#{number}")
    await alice.block()

    await staff_member.send(
        "Are you still there?", chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id
    )

    await topic.wait_for_text("Not delivered")
    ticket, record = await ticket_state(kefu, number)
    assert ticket.first_response_at is None
    assert [e.data for e in record if e.kind == EventKind.STAFF_REPLY] == [{"delivered": False}]
    assert ticket.customer.unreachable_at is not None


# --- internal work ------------------------------------------------------------------------------


async def test_internal_notes_stay_in_the_topic(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await alice.chat.catch_up()

    await staff_member.send(
        "/note Customer called, prefers a visit\nafter 15:00.",
        chat_id=STAFF_CHAT_ID,
        thread_id=topic.thread_id,
    )

    await topic.wait_for_text("Internal note saved")
    _, record = await ticket_state(kefu, number)
    notes = [e.text for e in record if e.kind == EventKind.INTERNAL_NOTE]
    assert notes == ["Customer called, prefers a visit\nafter 15:00."]
    assert not [m for m in await alice.chat.messages(after=alice.chat.cursor)]


async def test_card_buttons_claim_prioritise_and_resolve(
    kefu: Kefu, desk_bot: Bot, chen: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy_zh(chen, accept="同意")
    number = await open_ticket(kefu, desk_bot, chen, language=Language.ZH_HANT)
    topic = await topic_of(client, number)
    card = await topic.wait_for_text(f"#{number}")
    where = {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}

    await staff_member.press("Claim", message_id=card["message_id"], **where)
    await topic.wait_for_text("Li Wei now handles this ticket")
    await topic.wait_for_edit(card["message_id"], "Assigned to: Li Wei")

    async def card_shows(labels: list[str]) -> None:
        def shown(messages: list[Message]) -> bool:
            return (
                buttons(next(m for m in messages if m["message_id"] == card["message_id"]))
                == labels
            )

        await topic.wait_until(shown)

    await staff_member.press("Set priority", message_id=card["message_id"], **where)
    await card_shows(["Low", "✓ Normal", "High", "Urgent", "Back"])
    await staff_member.press("Back", message_id=card["message_id"], **where)
    await card_shows(["Claim", "Set priority", "Resolve"])
    await staff_member.press("Set priority", message_id=card["message_id"], **where)
    await card_shows(["Low", "✓ Normal", "High", "Urgent", "Back"])
    await staff_member.press("Urgent", message_id=card["message_id"], **where)
    await topic.wait_for_text("Priority set to Urgent by Li Wei.")
    await topic.wait_for_edit(card["message_id"], "Priority: Urgent")

    await staff_member.press("Resolve", message_id=card["message_id"], **where)
    prompt = await topic.wait_for_text("What was done? Reply to this message")
    await staff_member.press("Resolve without a note", message_id=prompt["message_id"], **where)
    told = await chen.chat.wait_for_text(number)
    assert "已處理完畢" in told["text"] and "7 天內" in told["text"]
    await topic.wait_for_text("Resolved by Li Wei. The customer has been told")
    edited = await topic.wait_for_edit(card["message_id"], "Status: Resolved")
    assert buttons(edited) == ["Reopen", "Close"]

    ticket, _ = await ticket_state(kefu, number)
    assert (ticket.assignee_name, ticket.priority, ticket.status) == (
        "Li Wei",
        Priority.URGENT,
        TicketStatus.RESOLVED,
    )


async def test_a_forged_card_button_cannot_act_on_another_ticket(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    """A modified client can send any callback data: `desk:close:<other>` pressed on ticket 1's
    card is refused, and neither ticket nor card changes."""
    await accept_privacy(alice)
    first = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    second = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, first)
    card = await topic.wait_for_text(f"#{first}")
    other, _ = await ticket_state(kefu, second)

    answer = await staff_member.press_forged(
        f"desk:close:{other.id}",
        message_id=card["message_id"],
        chat_id=STAFF_CHAT_ID,
        thread_id=topic.thread_id,
    )
    assert answer is not None and "no longer valid" in answer["text"]
    for number in (first, second):
        ticket, _ = await ticket_state(kefu, number)
        assert ticket.status == TicketStatus.OPEN
    shown = next(m for m in await topic.messages() if m["message_id"] == card["message_id"])
    assert f"#{first}" in text_of(shown) and "edit_date" not in shown


async def test_commands_change_the_ticket_and_close_its_topic(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}

    await staff_member.send("/priority soon", **in_topic)
    await topic.wait_for_text("Usage: /priority low|normal|high|urgent")
    await staff_member.send("/priority high", **in_topic)
    await topic.wait_for_text("Priority set to High")
    await staff_member.send("/assign", **in_topic)
    await topic.wait_for_text("Li Wei now handles this ticket")
    await staff_member.send("/resolve Replaced the motor.", **in_topic)
    await topic.wait_for_text("Resolved by Li Wei")
    await alice.chat.wait_for_text(f"Your ticket {number} has been resolved")
    await staff_member.send("/reopen", **in_topic)
    await topic.wait_for_text("Reopened by Li Wei.")
    await staff_member.send("/close", **in_topic)
    await topic.wait_for_text("Closed by Li Wei.")

    closed = [t for t in await client.chat(STAFF_CHAT_ID).topics() if t["is_closed"]]
    assert [t["message_thread_id"] for t in closed] == [topic.thread_id]
    ticket, record = await ticket_state(kefu, number)
    assert ticket.status == TicketStatus.CLOSED
    resolved = next(e for e in record if e.data.get("to") == TicketStatus.RESOLVED)
    assert resolved.text == "Replaced the motor."


async def test_the_card_and_the_topic_title_follow_every_command(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    card = await topic.wait_for_text(f"#{number}")
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}

    async def title() -> str:
        topics = await client.chat(STAFF_CHAT_ID).topics()
        return next(t["name"] for t in topics if t["message_thread_id"] == topic.thread_id)

    await staff_member.send("/priority urgent", **in_topic)
    await topic.wait_for_edit(card["message_id"], "Priority: Urgent")
    await staff_member.send("/assign", **in_topic)
    await topic.wait_for_edit(card["message_id"], "Assigned to: Li Wei")
    assert await title() == f"#{number} · Repair · Alice"
    await staff_member.send("/resolve Replaced the motor.", **in_topic)
    # The title is renamed before the card is edited: once the card shows it, so does the list.
    await topic.wait_for_edit(card["message_id"], "Status: Resolved")
    assert await title() == f"#{number} · Repair · Alice ✅"
    await staff_member.send("/reopen", **in_topic)
    await topic.wait_for_edit(card["message_id"], "Status: Open")
    assert await title() == f"#{number} · Repair · Alice"
    # One card all along: the changes edited it, none posted another.
    cards = [m for m in await topic.messages() if text_of(m).startswith(f"#{number} ·")]
    assert [m["message_id"] for m in cards] == [card["message_id"]]


async def test_a_topic_left_without_its_card_gets_it_half_a_minute_later(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, client: SandboxClient, clock: ShiftedClock
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN, announce=False)
    ticket, _ = await ticket_state(kefu, number)
    # An announcement that died after opening and linking the topic, before posting the card.
    topic = await desk_bot.create_forum_topic(STAFF_CHAT_ID, f"#{number} · Repair · Alice")
    assert await lifecycle.link_topic(kefu, ticket.id, STAFF_CHAT_ID, topic.message_thread_id)
    view = client.chat(STAFF_CHAT_ID, topic.message_thread_id)

    clock.advance(timedelta(seconds=31))
    card = await view.wait_for_text(f"#{number} ·")
    assert "Priority: Normal" in text_of(card) and inline_buttons(card)

    async def remembered() -> bool:  # so that later changes edit this card
        found, _ = await ticket_state(kefu, number)
        return found.staff_card_message_id == card["message_id"]

    await wait_for(client, remembered)


async def test_assign_takes_a_colleague_by_username_or_by_reply(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    staff_member: SandboxUser,
    admin: SandboxUser,
    client: SandboxClient,
) -> None:
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}

    await staff_member.send("/assign @amy_admin", **in_topic)
    await topic.wait_for_text("I don't know @amy_admin yet")
    amy_says = await admin.send("I can take this one.", **in_topic)
    await alice.chat.wait_for_text("I can take this one.")
    await staff_member.send("/assign @amy_admin", **in_topic)
    await topic.wait_for_text("Amy now handles this ticket (assigned by Li Wei).")
    await staff_member.send("/assign", reply_to=amy_says, **in_topic)
    await topic.wait_for_text("Amy already handles this ticket.")
    await staff_member.send("/assign", **in_topic)
    await topic.wait_for_text("Li Wei now handles this ticket")

    _, record = await ticket_state(kefu, number)
    assigned = [e.data["name"] for e in record if e.kind == EventKind.ASSIGNED]
    assert assigned == ["Amy", "Li Wei"]


async def test_a_resolved_ticket_reopens_when_the_customer_writes_again(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await staff_member.send("/resolve", chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id)
    await alice.chat.wait_for_text("has been resolved")

    await alice.send("Sorry, it broke again this morning.")

    await topic.wait_for_text("it broke again this morning")
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.status == TicketStatus.OPEN


# --- the desk's periodic jobs -------------------------------------------------------------------


async def test_the_announce_job_picks_up_a_ticket_whose_announcement_was_lost(
    kefu: Kefu, desk_bot: Bot, wang: SandboxUser, client: SandboxClient
) -> None:
    number = await open_ticket(kefu, desk_bot, wang, language=Language.ZH_HANS, announce=False)
    job = SimpleNamespace(bot=desk_bot, bot_data=SimpleNamespace(kefu=kefu))

    await jobs.announce_pending(job)  # type: ignore[arg-type]
    await jobs.announce_pending(job)  # type: ignore[arg-type]

    topic = await topic_of(client, number)
    await topic.wait_for_text(f"#{number}")
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.staff_topic_id == topic.thread_id


async def test_resolved_tickets_close_when_the_reopen_window_has_passed(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, client: SandboxClient, clock: ShiftedClock
) -> None:
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    ticket, _ = await ticket_state(kefu, number)
    outcome = await lifecycle.resolve(desk_bot, kefu, ticket.id, events.Actor.system())
    assert outcome == lifecycle.Outcome(changed=True, customer_told=True)
    job = SimpleNamespace(bot=desk_bot, bot_data=SimpleNamespace(kefu=kefu))

    clock.advance(timedelta(days=6, hours=23))
    await jobs.close_expired(job)  # type: ignore[arg-type]
    assert (await ticket_state(kefu, number))[0].status == TicketStatus.RESOLVED
    clock.advance(timedelta(hours=2))
    await jobs.close_expired(job)  # type: ignore[arg-type]

    ticket, _ = await ticket_state(kefu, number)
    assert ticket.status == TicketStatus.CLOSED
    closed = [t for t in await client.chat(STAFF_CHAT_ID).topics() if t["is_closed"]]
    assert [t["message_thread_id"] for t in closed] == [topic.thread_id]


@pytest.mark.usefixtures("desk_open")
async def test_ticket_commands_outside_a_ticket_topic_are_explained(
    staff_member: SandboxUser, client: SandboxClient
) -> None:
    general = client.chat(STAFF_CHAT_ID)
    await staff_member.send("/resolve", chat_id=STAFF_CHAT_ID)
    await general.wait_for_text("Use this command inside a ticket's topic.")
    await staff_member.send("Good morning, team!", chat_id=STAFF_CHAT_ID)
    await staff_member.send("/ticket K-000777", chat_id=STAFF_CHAT_ID)
    answer = await general.wait_for_bot_message()
    assert answer["text"] == "There is no ticket K-000777."  # the greeting got no answer


async def test_the_service_record_shows_every_event_with_time_and_author(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}
    await staff_member.send("We will send a technician.", **in_topic)
    await alice.chat.wait_for_text("We will send a technician.")
    await staff_member.send("/note Check stock of M8 motors.", **in_topic)
    await topic.wait_for_text("Internal note saved")

    await staff_member.send(
        f"/ticket {number.lower().replace('-0000', '')}", chat_id=STAFF_CHAT_ID
    )
    record = await client.chat(STAFF_CHAT_ID).wait_for_text("Service record")
    text = record["text"]
    for line in (
        f"Service record of #{number}",
        "Ticket opened",
        "Staff topic opened",
        "Reply to the customer",
        "We will send a technician.",
        "Internal note",
        "Check stock of M8 motors.",
        "Li Wei",
        "CST",  # business time zone (Asia/Shanghai)
    ):
        assert line in text


async def test_a_long_service_record_is_split_under_the_message_limit(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN, announce=False)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None
        for n in range(40):
            await events.append(
                session,
                ticket,
                EventKind.INTERNAL_NOTE,
                events.Actor.staff(2001, "Li Wei"),
                now=kefu.clock.now(),
                text=f"Note {n:02d}: " + "details " * 30,
            )

    await staff_member.send(f"/ticket {number}", chat_id=STAFF_CHAT_ID)
    general = client.chat(STAFF_CHAT_ID)
    parts = await general.wait_until(
        lambda ms: any("Note 39" in text_of(m) for m in ms if m["from"]["is_bot"])
    )
    texts = [text_of(m) for m in parts if m["from"]["is_bot"] and "Service record" in text_of(m)]
    assert len(texts) > 2 and all(len(t) <= 4096 for t in texts)
    assert "continued" in texts[1]
    joined = "".join(texts)
    assert all(f"Note {n:02d}:" in joined for n in range(40))


# --- only staff act as staff --------------------------------------------------------------------


@pytest.mark.usefixtures("desk_open")
@pytest.mark.parametrize("command", ["/note hello", "/resolve", "/ticket K-000001", "/close"])
async def test_someone_who_is_not_staff_is_refused(mallory: SandboxUser, command: str) -> None:
    await mallory.send(command)
    refusal = await mallory.chat.wait_for_bot_message()
    assert refusal["text"] == "Sorry, only our support team can do that."


@pytest.mark.usefixtures("desk_open")
async def test_a_customer_is_refused_in_their_language(wang: SandboxUser) -> None:
    await wang.send("/ticket K-000001")
    refusal = await wang.chat.wait_for_bot_message()
    assert refusal["text"] == "抱歉，只有我们的客服团队可以执行此操作。"


@pytest.mark.usefixtures("desk_open")
async def test_staff_commands_in_another_group_are_refused(
    mallory: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await client.create_group(
        OTHER_GROUP_ID, "Friends", is_forum=False, members=[mallory.id, staff_member.id]
    )
    elsewhere = client.chat(OTHER_GROUP_ID)
    await mallory.send("/resolve", chat_id=OTHER_GROUP_ID)
    assert (await elsewhere.wait_for_bot_message())["text"] == (
        "Sorry, only our support team can do that."
    )
    await staff_member.send("/note hello", chat_id=OTHER_GROUP_ID)
    assert (await elsewhere.wait_for_bot_message())["text"] == (
        "Please use this command in the staff chat."
    )


@pytest.mark.parametrize(
    ("style", "language", "signature"),
    [
        ("staff_name", "en", "— Li Wei, Support"),
        ("staff_name", "zh_Hant", "—— 客服 Li Wei"),
        ("team", "en", "— Support team"),
        ("team", "zh_Hans", "—— 客服团队"),
    ],
)
def test_replies_are_signed_as_configured(style: str, language: str, signature: str) -> None:
    assert sign(style, Catalogs().for_language(language), "Li Wei") == signature


@pytest.mark.parametrize(
    "data",
    [
        "desk:resolve",
        "desk:resolve:x",
        "desk:explode:1",
        "desk:setpriority:1",
        "desk:setpriority:1:extreme",
        "desk:resolve:1:urgent",
        "repair:resolve:1",
        "desk:resolve:1:2:3",
        None,
    ],
)
def test_malformed_desk_buttons_are_rejected(data: str | None) -> None:
    assert DeskButton.parse(data) is None


def test_desk_buttons_read_back_what_they_wrote() -> None:
    button = DeskButton("setpriority", 12, "urgent")
    assert button.encode() == "desk:setpriority:12:urgent"
    assert DeskButton.parse(button.encode()) == button


async def test_a_button_on_a_card_that_fell_behind_changes_nothing(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    card = await topic.wait_for_text(f"#{number}")
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}
    await staff_member.send("/resolve", **in_topic)
    await topic.wait_for_text("Resolved by Li Wei")

    await staff_member.press("Resolve", message_id=card["message_id"], **in_topic)

    await topic.wait_for_text("This ticket is not open, so there is nothing to resolve.")
    refreshed = await topic.wait_for_edit(card["message_id"], "Status: Resolved")
    assert buttons(refreshed) == ["Reopen", "Close"]


async def test_a_staff_reply_while_the_card_is_still_being_posted_reaches_the_customer(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN, announce=False)
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None
    await client.add_fault("sendMessage", "hang", count=1, hang_seconds=30)  # the card hangs
    announcing = asyncio.create_task(announce_ticket(desk_bot, kefu, ticket.id))
    opened = await wait_for_topic(client, f"#{number} ")  # no card yet: it hangs
    topic = client.chat(STAFF_CHAT_ID, opened["message_thread_id"])
    await wait_for_event(kefu, number, EventKind.TOPIC_LINKED)

    await staff_member.send(
        "We will call you this afternoon.", chat_id=topic.chat_id, thread_id=topic.thread_id
    )
    await alice.chat.wait_for_text("We will call you this afternoon")
    await asyncio.gather(announcing, return_exceptions=True)  # the hung card timed out
