"""Warranty and maintenance reminders, end to end: a customer gave a purchase date in a request,
the clock moves to the day a reminder is due, and the reminder comes through the campaign
outbox, once, with a button that starts a pre-filled request and "Stop these reminders".

The scan is run directly (`queue_due_reminders`) after moving the clock, rather than waiting for
its job; the job does the same thing, and the campaign sender it wakes is the running bot's.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.clock import ShiftedClock
from bot.i18n import Translator
from bot.services import Kefu
from domain.care.reminders import queue_due_reminders
from domain.desk import lifecycle
from domain.desk.jobs import announce_waiting
from domain.desk.lifecycle import TicketDraft
from domain.rules.warranty import add_months, warranty_ends_on
from domain.sla import alerts
from sandbox.chatview import text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import customers
from storage.enums import TicketType, Warranty
from storage.models import Ticket
from storage.survey_models import CampaignRecipient, DeliveryStatus
from tests.conftest import RunningBot, accept_privacy
from tests.e2e.privacy_scan import press_when_shown, withdraw_consent
from tests.e2e.test_button_presses import assert_each_press_answered_once
from tests.e2e.test_campaigns import wait_for

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]

PURIFIER = "ro-purifier-600"  # 24 months of warranty, a filter change every 6 months
SERIAL = "AP-600-7731"
WARRANTY_ENDS = "The warranty of your AquaPure 600G RO water purifier (number AP-600-7731)"


def move_to(kefu: Kefu, clock: ShiftedClock, day: date, hour: int = 12) -> None:
    """Set the business clock to `hour` o'clock of `day`, business time."""
    wanted = datetime.combine(day, time(hour), kefu.timezone).astimezone(UTC)
    clock.advance(wanted - clock.now())


def today(kefu: Kefu) -> date:
    return kefu.clock.now().astimezone(kefu.timezone).date()


async def bought(kefu: Kefu, user: SandboxUser, purchased_on: date) -> int:
    """A request of the customer naming the purifier, its number and its purchase date."""
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, user.id)
        assert customer is not None
    draft = TicketDraft(
        type=TicketType.REPAIR,
        product_id=PURIFIER,
        serial_number=SERIAL,
        purchase_date=purchased_on,
        description="It hums.",
    )
    return (await lifecycle.create(kefu, customer.id, draft)).ticket_id


async def reminder_rows(kefu: Kefu, ticket_id: int) -> list[CampaignRecipient]:
    async with kefu.db.read_only() as session:
        query = select(CampaignRecipient).where(CampaignRecipient.ticket_id == ticket_id)
        return list(await session.scalars(query))


async def send_the_prefilled_request(
    kefu: Kefu,
    user: SandboxUser,
    t: Translator,
    description: str,
    purchased: date,
    *,
    besides: int,
) -> tuple[str, Ticket]:
    """A reminder's button pressed: the product, number and purchase date came with it, so the
    request starts at the description. Sent without a visit; its summary's text, and the ticket
    it opened (the newest but `besides`)."""
    await user.chat.wait_for_text(
        t.t("Please describe the problem or what you need, in your own words.")
    )
    await user.send(description)
    await user.chat.wait_for_bot_message()
    await user.press(t.t("Done"))
    await user.chat.wait_for_bot_message()
    await user.press(t.t("No visit needed"))
    summary = await user.chat.wait_for_text(t.t("Please check your request:"))
    assert SERIAL in summary["text"] and purchased.isoformat() in summary["text"]
    await user.press(t.t("Confirm and send"))
    await user.chat.wait_for_text("K-")
    async with kefu.db.read_only() as session:
        newest = await session.scalar(
            select(Ticket).where(Ticket.id != besides).order_by(Ticket.id.desc())
        )
    assert newest is not None
    return summary["text"], newest


async def test_a_warranty_reminder_comes_once_on_its_day_across_a_restart_and_stops_at_once(
    kefu_bot: RunningBot, alice: SandboxUser, clock: ShiftedClock
) -> None:
    kefu = kefu_bot.kefu
    assert kefu is not None
    await accept_privacy(alice)
    purchased = add_months(today(kefu), -24) + timedelta(days=40)
    ticket_id = await bought(kefu, alice, purchased)
    ends = warranty_ends_on(purchased, 24)
    first_day = ends - timedelta(days=30)  # [care] warranty_reminder_days

    move_to(kefu, clock, first_day - timedelta(days=1))
    assert await queue_due_reminders(kefu) == 0  # the day before
    move_to(kefu, clock, first_day, hour=9)
    assert await queue_due_reminders(kefu) == 0  # its day, before [care] reminder_hour
    move_to(kefu, clock, first_day, hour=11)
    assert await queue_due_reminders(kefu) == 1
    reminder = await alice.chat.wait_for_text(WARRANTY_ENDS)
    assert reminder["text"] == (
        f"{WARRANTY_ENDS} ends on {ends.isoformat()}. If anything is not working as it should, "
        "ask for a repair before then: under the warranty it is free."
    )
    labels = [b["text"] for row in reminder["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Request a repair", "Stop these reminders"]

    assert await queue_due_reminders(kefu) == 0
    await kefu_bot.restart()  # its start-up scan runs at once, and finds it sent
    kefu = kefu_bot.kefu
    assert kefu is not None
    move_to(kefu, clock, first_day + timedelta(days=1))
    assert await queue_due_reminders(kefu) == 0
    [row] = await reminder_rows(kefu, ticket_id)
    assert row.status == DeliveryStatus.SENT
    messages = await alice.chat.messages()
    assert sum(WARRANTY_ENDS in text_of(m) for m in messages) == 1

    answered = await alice.press("Stop these reminders", message_id=reminder["message_id"])
    assert (
        answered is not None
        and answered["text"] == "Done: you will get no more warranty reminders."
    )
    await alice.chat.wait_for_text("Done: you will get no more warranty reminders.")
    await alice.chat.wait_for_edit(reminder["message_id"])
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, alice.id)
    assert customer is not None and customer.warranty_reminders_off_at is not None
    assert customer.maintenance_reminders_off_at is None  # the other kind still comes


async def test_a_maintenance_reminder_books_a_prefilled_request_in_chinese(
    kefu: Kefu, wang: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(wang)
    purchased = add_months(today(kefu), -6) + timedelta(days=10)
    first_ticket = await bought(kefu, wang, purchased)
    due = add_months(purchased, 6)
    move_to(kefu, clock, due - timedelta(days=7))  # [care] maintenance_reminder_days
    assert await queue_due_reminders(kefu) == 1

    chinese = kefu.catalogs.for_language("zh_Hans")
    reminder = await wang.chat.wait_for_text("更换滤芯套装")
    assert due.isoformat() in reminder["text"] and SERIAL in reminder["text"]
    await wang.press(chinese.t("Book maintenance"), message_id=reminder["message_id"])
    summary, newest = await send_the_prefilled_request(
        kefu, wang, chinese, "请上门更换滤芯。", purchased, besides=first_ticket
    )
    assert "AquaPure 600G 反渗透净水器" in summary
    assert (newest.type, newest.product_id, newest.serial_number, newest.purchase_date) == (
        TicketType.MAINTENANCE,
        PURIFIER,
        SERIAL,
        purchased,
    )
    assert newest.description == "请上门更换滤芯。"


async def test_no_reminder_after_consent_is_withdrawn_and_forged_presses_are_refused(
    kefu_bot: RunningBot,
    client: SandboxClient,
    alice: SandboxUser,
    mallory: SandboxUser,
    clock: ShiftedClock,
) -> None:
    kefu = kefu_bot.kefu
    assert kefu is not None
    await accept_privacy(alice)
    purchased = add_months(today(kefu), -6) + timedelta(days=10)
    ticket_id = await bought(kefu, alice, purchased)
    due = add_months(purchased, 6)
    await kefu_bot.stop()  # the sender is down: the reminder waits, queued
    move_to(kefu, clock, due - timedelta(days=7))
    assert await queue_due_reminders(kefu) == 1
    await kefu.db.dispose()
    await kefu_bot.start()
    kefu = kefu_bot.kefu
    assert kefu is not None
    reminder = await alice.chat.wait_for_text("It is time to replace the filter set")

    # Another customer's forged press on it, and a press naming no reminder at all.
    await accept_privacy(mallory)
    refused = "This button is no longer valid."
    assert await mallory.press_forged(f"rem:stop:{reminder_id(reminder)}") == no_alert(refused)
    assert await alice.press_forged("rem:flow:99999999999") == no_alert(refused)
    assert await alice.press_forged("rem:stop:x") == no_alert(refused)
    await assert_each_press_answered_once(client)
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, alice.id)
    assert customer is not None and customer.maintenance_reminders_off_at is None

    await withdraw_consent(alice)
    # The next due date comes: nothing is queued for a customer who withdrew.
    move_to(kefu, clock, add_months(purchased, 12) - timedelta(days=7))
    assert await queue_due_reminders(kefu) == 0
    assert [r.occasion for r in await reminder_rows(kefu, ticket_id)] == [due.isoformat()]


def reminder_id(message: dict) -> int:
    """The outbox row id the reminder's buttons name."""
    data = message["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    return int(data.rsplit(":", 1)[1])


def no_alert(text: str) -> dict:
    return {"text": text, "show_alert": False}


# --- the warranty reminder's button, "Stop" honoured, a withdrawal, the configured days ------


async def test_a_warranty_reminder_requests_a_prefilled_repair_in_traditional_chinese(
    kefu: Kefu, client: SandboxClient, chen: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(chen)
    purchased = add_months(today(kefu), -24) + timedelta(days=40)
    first_ticket = await bought(kefu, chen, purchased)
    ends = warranty_ends_on(purchased, 24)
    move_to(kefu, clock, ends - timedelta(days=30))
    assert await queue_due_reminders(kefu) == 1

    traditional = kefu.catalogs.for_language("zh_Hant")
    reminder = await chen.chat.wait_for_text(SERIAL)
    assert (
        "AquaPure 600G 逆滲透淨水器" in reminder["text"] and ends.isoformat() in reminder["text"]
    )
    labels = [b["text"] for row in reminder["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [traditional.t("Request a repair"), traditional.t("Stop these reminders")]
    await chen.press(traditional.t("Request a repair"), message_id=reminder["message_id"])
    summary, newest = await send_the_prefilled_request(
        kefu, chen, traditional, "出水很慢。", purchased, besides=first_ticket
    )
    assert "AquaPure 600G 逆滲透淨水器" in summary
    assert (
        newest.type,
        newest.product_id,
        newest.serial_number,
        newest.purchase_date,
        newest.warranty,
    ) == (TicketType.REPAIR, PURIFIER, SERIAL, purchased, Warranty.IN_WARRANTY)
    assert newest.description == "出水很慢。"
    await assert_each_press_answered_once(client)


async def test_stopped_maintenance_reminders_stay_stopped_and_the_warranty_one_still_comes(
    kefu: Kefu, client: SandboxClient, alice: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(alice)
    purchased = add_months(today(kefu), -6) + timedelta(days=10)
    ticket_id = await bought(kefu, alice, purchased)
    first_due = add_months(purchased, 6)
    move_to(kefu, clock, first_due - timedelta(days=7))
    assert await queue_due_reminders(kefu) == 1
    reminder = await alice.chat.wait_for_text("It is time to replace the filter set")
    answered = await alice.press("Stop these reminders", message_id=reminder["message_id"])
    done = "Done: you will get no more maintenance reminders."
    assert answered == no_alert(done)
    await alice.chat.wait_for_text(done)

    # The next filter change comes due, and its day itself: nothing is queued or sent.
    next_due = add_months(purchased, 12)
    for day in (next_due - timedelta(days=7), next_due):
        move_to(kefu, clock, day)
        assert await queue_due_reminders(kefu) == 0
    assert [r.occasion for r in await reminder_rows(kefu, ticket_id)] == [first_due.isoformat()]

    # The warranty's end is another kind: its reminder still comes.
    ends = warranty_ends_on(purchased, 24)
    move_to(kefu, clock, ends - timedelta(days=30))
    assert await queue_due_reminders(kefu) == 1
    await alice.chat.wait_for_text(WARRANTY_ENDS)
    texts = [text_of(m) for m in await alice.chat.messages()]
    assert sum("It is time to replace the filter set" in text for text in texts) == 1
    await assert_each_press_answered_once(client)


async def test_a_queued_reminder_is_skipped_when_its_customer_withdraws_consent(
    kefu: Kefu,
    desk_bot: Bot,
    client: SandboxClient,
    alice: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    purchased = add_months(today(kefu), -6) + timedelta(days=10)
    ticket_id = await bought(kefu, alice, purchased)
    due = add_months(purchased, 6)
    await announce_waiting(desk_bot, kefu)  # its topic and card, now rather than in a while
    move_to(kefu, clock, due - timedelta(days=7), hour=9)
    clock.advance(timedelta(minutes=55))  # 09:55, before [care] reminder_hour
    await alice.send("/privacy")
    await press_when_shown(alice, "Withdraw consent")
    await alice.chat.wait_for_text("Withdraw your consent?")

    # The reminder comes due while Telegram fails: it stays queued, retried with backoff (2 s,
    # 4 s, then 8 s after the third failure), and she confirms before its next try. The SLA
    # alerts due by then go first, so that only the reminder meets the failures.
    clock.advance(timedelta(minutes=6))
    await alerts.scan(desk_bot, kefu)
    await client.add_fault("sendMessage", "500", count=3)
    assert await queue_due_reminders(kefu) == 1

    async def failed_thrice() -> bool:
        rows = await reminder_rows(kefu, ticket_id)
        return [(r.status, r.attempts) for r in rows] == [(DeliveryStatus.PENDING, 3)]

    await wait_for(client, failed_thrice)
    await alice.press("Withdraw and erase")
    await alice.chat.wait_for_text("We have erased your personal data")
    # Skipped by the withdrawal itself, not left for the sender to find out.
    [row] = await reminder_rows(kefu, ticket_id)
    assert (row.status, row.attempts, row.sent_at) == (DeliveryStatus.SKIPPED, 3, None)
    calls = await client.calls("sendMessage")
    failed = [str(call["params"].get("chat_id")) for call in calls if not call["ok"]]
    assert failed == [str(alice.id)] * 3  # only the reminder failed
    assert not any("It is time to" in text_of(m) for m in await alice.chat.messages())
    answers = await client.calls("answerCallbackQuery")
    per_query = Counter(call["params"]["callback_query_id"] for call in answers)
    assert per_query and set(per_query.values()) == {1}, per_query


def configured(kefu: Kefu, **care: int) -> None:
    """These `[care]` settings in the running bot's configuration."""
    section = kefu.config.care.model_copy(update=care)
    kefu.config = kefu.config.model_copy(update={"care": section})


async def test_the_configured_days_and_hour_decide_when_reminders_go(
    kefu: Kefu, wang: SandboxUser, clock: ShiftedClock
) -> None:
    configured(kefu, warranty_reminder_days=10, maintenance_reminder_days=3, reminder_hour=15)
    await accept_privacy(wang)
    purchased = add_months(today(kefu), -24) + timedelta(days=40)
    ticket_id = await bought(kefu, wang, purchased)
    ends = warranty_ends_on(purchased, 24)  # the day before the fourth filter change is due
    due = add_months(purchased, 24)

    # The defaults (30 days before, from 10:00) would have sent it already.
    move_to(kefu, clock, ends - timedelta(days=11), hour=16)
    assert await queue_due_reminders(kefu) == 0
    move_to(kefu, clock, ends - timedelta(days=10), hour=14)
    assert await queue_due_reminders(kefu) == 0
    move_to(kefu, clock, ends - timedelta(days=10), hour=15)
    assert await queue_due_reminders(kefu) == 1
    warranty = await wang.chat.wait_for_text(ends.isoformat())
    assert SERIAL in warranty["text"] and "AquaPure 600G 反渗透净水器" in warranty["text"]

    move_to(kefu, clock, due - timedelta(days=4), hour=16)  # the default 7 days: sent by now
    assert await queue_due_reminders(kefu) == 0
    move_to(kefu, clock, due - timedelta(days=3), hour=16)
    assert await queue_due_reminders(kefu) == 1
    maintenance = await wang.chat.wait_for_text("更换滤芯套装")
    assert due.isoformat() in maintenance["text"]
    assert [r.occasion for r in await reminder_rows(kefu, ticket_id)] == ["", due.isoformat()]
