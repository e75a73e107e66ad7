"""Care and training events, end to end: an admin announces one with /event, customers in
English and Simplified Chinese register within its capacity and cancel, the reminder goes out
once before it, staff mark who came, and /compliance counts the events held in the year.

The clock is moved to a fixed day of next year first, so the event and the year it is counted
in never straddle New Year whatever day the suite runs. The reminder scan is run directly
(`queue_due_reminders`) after moving the clock, as the visits' tests do: its job does the same,
and the campaign sender it wakes is the running bot's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ShiftedClock
from bot.services import Kefu
from domain.care import event_messages, events
from domain.care.events import queue_due_reminders
from sandbox.chatview import inline_buttons, text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import care_events, customers
from storage.campaigns import Audience
from storage.survey_models import AudienceKind, CampaignRecipient
from tests.conftest import STAFF_CHAT_ID, RunningBot, accept_privacy
from tests.e2e.helpers import BUSINESS_ZONE
from tests.e2e.test_button_presses import assert_each_press_answered_once
from tests.e2e.test_campaigns import wait_for

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]

TITLE = "Filter care class"
TITLE_ZH = "滤芯保养课"
CLAUSE = "Training events at least twice a year"
TYPED = "%Y-%m-%d %H:%M"


@pytest.fixture
async def bob(client: SandboxClient) -> SandboxUser:
    return await client.create_user(1004, "Bob", username="bob_l", language_code="en")


def move_to_next_march(clock: ShiftedClock) -> datetime:
    """Next year's 2 March, 10:00 business time: the test's "now"."""
    now = clock.now()
    target = datetime(now.astimezone(BUSINESS_ZONE).year + 1, 3, 2, 10, 0, tzinfo=BUSINESS_ZONE)
    clock.advance(target - now)
    return target


async def announce_by_flow(admin: SandboxUser, starts: datetime) -> str:
    """The admin goes through /event, with a time in the past and a capacity of 0 on the way;
    the bot's last word."""
    chat = admin.chat
    await admin.send("/event")
    await chat.wait_for_text("title on the first line and its description below it, in English")
    await admin.send(f"{TITLE}\nLearn to change the filters of your purifier yourself.")
    await chat.wait_for_text("in 简体中文")
    await admin.send(f"{TITLE_ZH}\n学习自己更换净水器滤芯。")
    await chat.wait_for_text("in 繁體中文")
    await admin.press("Use the English text")
    await chat.wait_for_text("When does it begin?")
    await admin.send((starts - timedelta(days=3)).strftime(TYPED))
    await chat.wait_for_text("That time has already passed. Please type a time in the future.")
    await chat.wait_for_text("When does it begin?")  # asked again, the texts kept
    await admin.send(starts.strftime(TYPED))
    await chat.wait_for_text("Where is it?")
    await admin.send("AquaPure shop, 88 Nanjing Road")
    await chat.wait_for_text("How many places are there?")
    await admin.send("0")
    await chat.wait_for_text("An event needs at least one place.")
    await admin.send("twenty")
    await chat.wait_for_text("Please type a number from 1 to 10000.")
    await admin.send("2")
    await chat.wait_for_text("Whom should we invite?")
    await admin.press("All customers who accepted the privacy notice")
    await chat.wait_for_text("Preview (English):")
    preview = await chat.wait_for_bot_message()
    assert preview["text"].startswith(TITLE) and "2 places" in preview["text"]
    confirm = await chat.wait_for_text("It would reach 3 customers today.")
    assert "reminded 24 hours before it begins" in confirm["text"]
    await admin.press("Announce the event")
    return (await chat.wait_for_text("announced"))["text"]


async def compliance_line(admin: SandboxUser, year: int) -> tuple[str, str]:
    """The events' clause in /compliance for the year, and the line after it (its offenders)."""
    await admin.send(f"/compliance {year}-01-01..{year}-12-31")
    report = await admin.chat.wait_for_text("Contract compliance")
    lines = [*report["text"].splitlines(), ""]
    at = next(index for index, line in enumerate(lines) if CLAUSE in line)
    return lines[at], lines[at + 1]


async def test_an_event_is_announced_registered_within_capacity_reminded_once_and_counted(
    kefu: Kefu,
    kefu_bot: RunningBot,
    client: SandboxClient,
    clock: ShiftedClock,
    admin: SandboxUser,
    staff_member: SandboxUser,
    alice: SandboxUser,
    wang: SandboxUser,
    bob: SandboxUser,
) -> None:
    now = move_to_next_march(clock)
    for customer in (alice, wang, bob):
        await accept_privacy(customer)
    starts = now + timedelta(days=2)

    assert await announce_by_flow(admin, starts) == "Event #1 announced: it goes to 3 customers."

    # Each customer reads it in their own language, the time in the business's zone.
    chinese = kefu.catalogs.for_language("zh_Hans")
    announced = await alice.chat.wait_for_text(TITLE)
    assert f"When: {starts.strftime(TYPED)} CST" in announced["text"]
    assert "Where: AquaPure shop, 88 Nanjing Road" in announced["text"]
    announced_zh = await wang.chat.wait_for_text(TITLE_ZH)
    assert "学习自己更换净水器滤芯。" in announced_zh["text"]
    assert [b["text"] for b in inline_buttons(announced_zh)] == [
        chinese.t("Register"),
        chinese.t("Stop these messages"),
    ]
    await bob.chat.wait_for_text(TITLE)

    # Two places: Alice and Wang take them (a double press changes nothing), Bob is told.
    assert await alice.press("Register") == {"text": "You are registered.", "show_alert": False}
    await alice.chat.wait_for_text(f"You are registered for {TITLE}")
    again = await alice.press("Register", message_id=announced["message_id"])
    assert again == {"text": "You are already registered for this event.", "show_alert": True}
    assert (await wang.press(chinese.t("Register")))["text"] == chinese.t("You are registered.")
    await wang.chat.wait_for_text(TITLE_ZH)  # the confirmation, with a cancel button
    full = await bob.press("Register")
    assert full == {"text": "Sorry, this event is full.", "show_alert": True}

    # Alice cancels, which frees her place for Bob.
    await alice.press("Cancel my registration")
    await alice.chat.wait_for_text(f"Your registration for {TITLE} is cancelled.")
    assert (await bob.press("Register"))["text"] == "You are registered."

    # Forged presses name nothing.
    for forged in ("ev:reg:999999", "ev:reg:abc", "ev:att:1:1"):
        refused = await alice.press_forged(forged)
        assert refused is not None and refused["text"] == "This button is no longer valid."

    # Bob withdraws his consent: no reminder for him, and his place goes back.
    await bob.send("/privacy")
    await bob.chat.wait_for_text("You have accepted this notice")
    await bob.press("Withdraw consent")
    await bob.chat.wait_for_text("Withdraw your consent?")
    await bob.press("Withdraw and erase")
    await bob.chat.wait_for_text("We have erased your personal data")

    # A day before it begins, Wang is reminded, once, even across a restart.
    clock.advance(timedelta(days=1, minutes=1))
    assert await queue_due_reminders(kefu) == 1
    async with kefu.db.read_only() as session:
        event = await care_events.get(session, 1)
        wang_id = (await customers.get_by_telegram(session, wang.id)).id  # type: ignore[union-attr]
    assert event is not None
    reminder = await wang.chat.wait_for_text(TITLE_ZH)
    assert reminder["text"] == event_messages.reminder_text(kefu, chinese, event)
    await kefu_bot.restart()  # a redeploy: the claim is kept in the database, not in memory
    assert kefu_bot.kefu is not None
    kefu = kefu_bot.kefu
    assert await queue_due_reminders(kefu) == 0

    async def reminder_rows() -> list[tuple[int, str]]:
        async with kefu.db.read_only() as session:
            rows = await session.execute(
                select(CampaignRecipient.customer_id, CampaignRecipient.status).where(
                    CampaignRecipient.occasion == care_events.REMINDER
                )
            )
            return [(customer, str(status)) for customer, status in rows]

    await wait_for(client, lambda: _settled(reminder_rows))
    assert await reminder_rows() == [(wang_id, "sent")]
    assert not any("Reminder" in text_of(m) for m in await bob.chat.messages())

    # Once it has taken place, the old buttons say so.
    clock.advance(timedelta(days=1))
    late = await alice.press("Register", message_id=announced["message_id"])
    assert late == {"text": "This event has already taken place.", "show_alert": True}

    # Staff mark who came in the staff group's General topic.
    staff = client.chat(STAFF_CHAT_ID)
    await staff_member.send("/attended 1", chat_id=STAFF_CHAT_ID)
    listed = await staff.wait_for_text(f"Who came to #1 {TITLE}?")
    assert [b["text"] for b in inline_buttons(listed)] == ["☐ 王芳"]
    marked = await staff_member.press("☐ 王芳", chat_id=STAFF_CHAT_ID)
    assert marked is not None and marked["text"] == "Marked as attended."
    await staff.wait_until(
        lambda messages: any(
            m["message_id"] == listed["message_id"]
            and next(b["text"] for b in inline_buttons(m)) == "☑ 王芳"
            for m in messages
        )
    )
    await staff_member.send(f"/attended 1 {bob.id} 5555", chat_id=STAFF_CHAT_ID)
    typed = await staff.wait_for_text("marked as attended")
    assert typed["text"] == (
        f"0 people marked as attended at #1 {TITLE}.\n"
        "2 of those named are not registered for it, or not known."
    )
    await staff_member.send("/events", chat_id=STAFF_CHAT_ID)
    overview = await staff.wait_for_text("Past events:")
    assert f"#1 {TITLE}" in overview["text"] and "1 registered, 1 attended" in overview["text"]

    # One event held this year: short of the contract's two, until a second one is held.
    mark, short = await compliance_line(admin, now.year)
    assert mark.startswith("❌") and ": 1," in mark and f"{now.year}: 1" in short
    await events.announce(
        kefu,
        title={"en": "Water quality talk"},
        text={"en": "What the TDS figure means."},
        starts_at=clock.now() + timedelta(hours=1),
        place="Online",
        capacity=50,
        audience=Audience(AudienceKind.ALL),
        created_by=admin.id,
    )
    clock.advance(timedelta(hours=2))
    mark, after = await compliance_line(admin, now.year)
    assert mark.startswith("✅") and ": 2," in mark and "Broken by" not in after
    await assert_each_press_answered_once(client)


async def _settled(rows) -> bool:
    found = await rows()
    return bool(found) and all(status not in ("pending", "sending") for _c, status in found)


async def test_only_admins_announce_events_and_only_staff_read_them(
    mallory: SandboxUser,
) -> None:
    await mallory.send("/event")
    await mallory.chat.wait_for_text("Sorry, only Kefu's administrators can announce events.")
    await mallory.send("/events")
    await mallory.chat.wait_for_text("Reports are for admins")
