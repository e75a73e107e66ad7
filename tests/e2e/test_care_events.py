"""Care and training events, end to end: an admin announces one with /event, customers in
English and Simplified Chinese register within its capacity and cancel, the reminder goes out
once before it, staff mark who came, and /compliance counts the events held in the year.

The clock is moved to a fixed day of next year first, so the event and the year it is counted
in never straddle New Year whatever day the suite runs. The reminder scan is run directly
(`queue_due_reminders`) after moving the clock, as the visits' tests do: its job does the same,
and the campaign sender it wakes is the running bot's.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ShiftedClock
from bot.services import Kefu
from domain.care import event_messages, events
from domain.care.events import queue_due_reminders
from domain.desk import lifecycle
from domain.desk.lifecycle import TicketDraft
from sandbox.chatview import inline_buttons, text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import care_events, customers
from storage.campaigns import Audience
from storage.enums import TicketType
from storage.survey_models import AudienceKind, Campaign, CampaignRecipient, DeliveryStatus
from tests.conftest import STAFF_CHAT_ID, RunningBot, accept_privacy
from tests.e2e.helpers import BUSINESS_ZONE
from tests.e2e.privacy_scan import press_when_shown
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


# --- audiences, places, attendance, the reminder's time, a withdrawal -------------------------

PURIFIER = "ro-purifier-600"
CHAIR = "massage-chair-m8"


async def customer_id_of(kefu: Kefu, user: SandboxUser) -> int:
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, user.id)
    assert customer is not None
    return customer.id


async def owns(kefu: Kefu, user: SandboxUser, product: str) -> None:
    """A request of the customer naming `product`: what makes them one of its owners."""
    draft = TicketDraft(type=TicketType.REPAIR, product_id=product, description="A question.")
    await lifecycle.create(kefu, await customer_id_of(kefu, user), draft)


async def event_rows(kefu: Kefu, event_id: int) -> list[tuple[int, str, DeliveryStatus, int]]:
    """The event's outbox rows: customer, occasion ('' or "reminder"), status, attempts."""
    async with kefu.db.read_only() as session:
        rows = await session.execute(
            select(
                CampaignRecipient.customer_id,
                CampaignRecipient.occasion,
                CampaignRecipient.status,
                CampaignRecipient.attempts,
            )
            .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
            .where(Campaign.standing == care_events.standing_name(event_id))
            .order_by(CampaignRecipient.id)
        )
        return [(c, o, DeliveryStatus(s), a) for c, o, s, a in rows]


async def settled(kefu: Kefu, client: SandboxClient, event_id: int) -> None:
    """Waits until none of the event's outbox rows is still to be sent."""
    unsent = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)

    async def done() -> bool:
        rows = await event_rows(kefu, event_id)
        return bool(rows) and all(status not in unsent for _c, _o, status, _a in rows)

    await wait_for(client, done)


async def announce_to(
    admin: SandboxUser, audience: str, choice: str | None, *, title: str, starts: datetime
) -> tuple[str, str]:
    """/event with the English text for every language and the audience `audience` (then
    `choice`, a product or a language); the confirm screen's text and the bot's last word."""
    chat = admin.chat
    await admin.send("/event")
    await chat.wait_for_text("in English")
    await admin.send(f"{title}\nBring your questions.")
    await chat.wait_for_text("in 简体中文")
    await admin.press("Use the English text")
    await chat.wait_for_text("in 繁體中文")
    await admin.press("Use the English text")
    await chat.wait_for_text("When does it begin?")
    await admin.send(starts.strftime(TYPED))
    await chat.wait_for_text("Where is it?")
    await admin.send("Online")
    await chat.wait_for_text("How many places are there?")
    await admin.send("10")
    await chat.wait_for_text("Whom should we invite?")
    await admin.press(audience)
    if choice is not None:
        await chat.wait_for_text("Which")
        await admin.press(choice)
    confirm = await chat.wait_for_text("It would reach")
    await admin.press("Announce the event")
    return confirm["text"], (await chat.wait_for_text("announced"))["text"]


async def test_an_event_for_one_product_or_one_language_reaches_only_those_customers(
    kefu: Kefu,
    client: SandboxClient,
    clock: ShiftedClock,
    admin: SandboxUser,
    alice: SandboxUser,
    wang: SandboxUser,
    chen: SandboxUser,
) -> None:
    now = move_to_next_march(clock)
    for customer in (alice, wang, chen):
        await accept_privacy(customer)
    await owns(kefu, wang, PURIFIER)
    await owns(kefu, chen, CHAIR)  # an owner of another product
    ids = {user.id: await customer_id_of(kefu, user) for user in (alice, wang, chen)}

    confirm, announced = await announce_to(
        admin,
        "Customers of one product",
        "AquaPure 600G RO water purifier",
        title="Purifier owners' class",
        starts=now + timedelta(days=3),
    )
    assert "Audience: customers with a ticket about AquaPure 600G RO water purifier" in confirm
    assert "It would reach 1 customer today." in confirm
    assert announced == "Event #1 announced: it goes to 1 customer."

    confirm, announced = await announce_to(
        admin,
        "Customers who speak one language",
        "繁體中文",
        title="Traditional Chinese tea talk",
        starts=now + timedelta(days=4),
    )
    assert "Audience: customers who speak 繁體中文" in confirm
    assert "It would reach 1 customer today." in confirm
    assert announced == "Event #2 announced: it goes to 1 customer."

    await wang.chat.wait_for_text("Purifier owners' class")
    await chen.chat.wait_for_text("Traditional Chinese tea talk")
    await settled(kefu, client, 1)
    await settled(kefu, client, 2)
    assert await event_rows(kefu, 1) == [(ids[wang.id], "", DeliveryStatus.SENT, 1)]
    assert await event_rows(kefu, 2) == [(ids[chen.id], "", DeliveryStatus.SENT, 1)]
    # Neither reached Alice; each reached only its own audience.
    unseen = [
        (alice, ("Purifier owners' class", "Traditional Chinese tea talk")),
        (wang, ("Traditional Chinese tea talk",)),
        (chen, ("Purifier owners' class",)),
    ]
    for user, titles in unseen:
        texts = [text_of(m) for m in await user.chat.messages()]
        assert not any(title in text for text in texts for title in titles), (user, texts)


async def announce_class(kefu: Kefu, admin: SandboxUser, starts: datetime, capacity: int) -> int:
    """The filter class announced to everyone (as the /event flow's confirm does)."""
    event_id, _reach = await events.announce(
        kefu,
        title={"en": TITLE, "zh_Hans": TITLE_ZH},
        text={"en": "Learn to change the filters.", "zh_Hans": "学习更换滤芯。"},
        starts_at=starts,
        place="AquaPure shop",
        capacity=capacity,
        audience=Audience(AudienceKind.ALL),
        created_by=admin.id,
    )
    return event_id


async def test_events_lists_places_taken_and_an_unmarked_past_event_counts_everyone(
    kefu: Kefu,
    client: SandboxClient,
    clock: ShiftedClock,
    admin: SandboxUser,
    staff_member: SandboxUser,
    alice: SandboxUser,
    wang: SandboxUser,
    chen: SandboxUser,
) -> None:
    now = move_to_next_march(clock)
    for customer in (alice, wang, chen):
        await accept_privacy(customer)
    starts = now + timedelta(days=2)
    await announce_class(kefu, admin, starts, capacity=5)
    simplified = kefu.catalogs.for_language("zh_Hans")
    traditional = kefu.catalogs.for_language("zh_Hant")
    await alice.chat.wait_for_text(TITLE)
    await wang.chat.wait_for_text(TITLE_ZH)
    await chen.chat.wait_for_text(TITLE)  # no Traditional text: the English one
    assert (await alice.press("Register"))["text"] == "You are registered."
    assert (await wang.press(simplified.t("Register")))["text"] == simplified.t(
        "You are registered."
    )
    assert (await chen.press(traditional.t("Register")))["text"] == traditional.t(
        "You are registered."
    )
    await alice.chat.wait_for_text(f"You are registered for {TITLE}")
    await alice.press("Cancel my registration")  # a cancelled place is not taken
    await alice.chat.wait_for_text("is cancelled")

    heading = f"#1 {TITLE}, {starts.strftime(TYPED)} CST, AquaPure shop"
    footer = "Staff mark who came with /attended <event number>."
    await admin.send("/events")
    listed = await admin.chat.wait_for_text("Upcoming events:")
    assert listed["text"] == "\n".join(
        [
            "Upcoming events:",
            heading,
            "    2 of 5 places taken",
            "",
            "Past events:",
            "    none",
            "",
            footer,
        ]
    )

    # It takes place and nobody marks who came: everyone registered counts.
    clock.advance(timedelta(days=3))
    staff = client.chat(STAFF_CHAT_ID)
    await staff_member.send("/events", chat_id=STAFF_CHAT_ID)
    listed = await staff.wait_for_text("Past events:")
    assert listed["text"] == "\n".join(
        [
            "Upcoming events:",
            "    none",
            "",
            "Past events:",
            heading,
            "    2 registered; no attendance marked, so everyone registered counts",
            "",
            footer,
        ]
    )
    mark, short = await compliance_line(admin, now.year)
    assert mark.startswith("❌") and ": 1," in mark and f"{now.year}: 1" in short
    await assert_each_press_answered_once(client)


def reminding_before(kefu: Kefu, hours: int) -> None:
    """`[care] event_reminder_hours = hours`, in the running bot's configuration."""
    care = kefu.config.care.model_copy(update={"event_reminder_hours": hours})
    kefu.config = kefu.config.model_copy(update={"care": care})


async def test_the_event_reminder_goes_the_configured_hours_before_and_not_earlier(
    kefu: Kefu,
    client: SandboxClient,
    clock: ShiftedClock,
    admin: SandboxUser,
    chen: SandboxUser,
) -> None:
    reminding_before(kefu, 48)
    now = move_to_next_march(clock)
    await accept_privacy(chen)
    starts = now + timedelta(days=3)
    event_id = await announce_class(kefu, admin, starts, capacity=5)
    traditional = kefu.catalogs.for_language("zh_Hant")
    await chen.chat.wait_for_text(TITLE)
    assert (await chen.press(traditional.t("Register")))["text"] == traditional.t(
        "You are registered."
    )
    await chen.chat.wait_for_bot_message()  # the confirmation

    # A minute short of 48 hours before: not yet, though the default 24 is long past due.
    clock.advance(starts - timedelta(hours=48, minutes=1) - clock.now())
    assert await queue_due_reminders(kefu) == 0
    assert [row for row in await event_rows(kefu, event_id) if row[1]] == []
    clock.advance(timedelta(minutes=2))
    assert await queue_due_reminders(kefu) == 1

    async with kefu.db.read_only() as session:
        event = await care_events.get(session, event_id)
    assert event is not None
    expected = event_messages.reminder_text(kefu, traditional, event)
    reminder = await chen.chat.wait_for_text(expected.splitlines()[0])
    assert reminder["text"] == expected
    await settled(kefu, client, event_id)
    reminded = [row for row in await event_rows(kefu, event_id) if row[1]]
    assert [(status, attempts) for _c, _o, status, attempts in reminded] == [
        (DeliveryStatus.SENT, 1)
    ]
    texts = [text_of(m) for m in await chen.chat.messages()]
    assert sum(text == reminder["text"] for text in texts) == 1


async def failed_sends(client: SandboxClient) -> list[str]:
    """The chats of the sendMessage calls that failed (the sandbox's faults)."""
    calls = await client.calls("sendMessage")
    return [str(call["params"].get("chat_id")) for call in calls if not call["ok"]]


async def test_a_withdrawal_cancels_a_queued_event_reminder_and_gives_the_place_back(
    kefu: Kefu,
    client: SandboxClient,
    clock: ShiftedClock,
    admin: SandboxUser,
    alice: SandboxUser,
    wang: SandboxUser,
) -> None:
    now = move_to_next_march(clock)
    await accept_privacy(alice)
    await accept_privacy(wang)
    starts = now + timedelta(days=2)
    event_id = await announce_class(kefu, admin, starts, capacity=1)
    simplified = kefu.catalogs.for_language("zh_Hans")
    await alice.chat.wait_for_text(TITLE)
    announced_zh = await wang.chat.wait_for_text(TITLE_ZH)
    assert (await alice.press("Register"))["text"] == "You are registered."
    await alice.chat.wait_for_text(f"You are registered for {TITLE}")
    full = await wang.press(simplified.t("Register"))
    assert full == {"text": simplified.t("Sorry, this event is full."), "show_alert": True}
    await settled(kefu, client, event_id)

    # Two minutes before the reminder is due, Alice is asked to confirm her withdrawal.
    clock.advance(starts - timedelta(hours=24, minutes=2) - clock.now())
    await alice.send("/privacy")
    await press_when_shown(alice, "Withdraw consent")
    await alice.chat.wait_for_text("Withdraw your consent?")

    # The reminder comes due while Telegram fails: it stays queued, retried with backoff (2 s,
    # 4 s, then 8 s after the third failure), and she confirms before its next try.
    await client.add_fault("sendMessage", "500", count=3)
    clock.advance(timedelta(minutes=3))
    assert await queue_due_reminders(kefu) == 1
    alice_id = await customer_id_of(kefu, alice)

    async def failed_thrice() -> bool:
        rows = await event_rows(kefu, event_id)
        return (alice_id, care_events.REMINDER, DeliveryStatus.PENDING, 3) in rows

    await wait_for(client, failed_thrice)
    await alice.press("Withdraw and erase")
    await alice.chat.wait_for_text("We have erased your personal data")
    # Skipped by the withdrawal itself, not left for the sender to find out.
    reminder = [row for row in await event_rows(kefu, event_id) if row[1]]
    assert reminder == [(alice_id, care_events.REMINDER, DeliveryStatus.SKIPPED, 3)]
    assert await failed_sends(client) == [str(alice.id)] * 3  # only the reminder failed

    # Her place went back: Wang takes it with the announcement's button.
    again = await wang.press(simplified.t("Register"), message_id=announced_zh["message_id"])
    assert again == {"text": simplified.t("You are registered."), "show_alert": False}
    async with kefu.db.read_only() as session:
        registered = await care_events.registrants(session, event_id)
    assert [person.telegram_id for person in registered] == [wang.id]
    assert not any("Reminder" in text_of(m) for m in await alice.chat.messages())
    answers = await client.calls("answerCallbackQuery")
    per_query = Counter(call["params"]["callback_query_id"] for call in answers)
    assert per_query and set(per_query.values()) == {1}, per_query
