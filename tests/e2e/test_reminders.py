"""Warranty and maintenance reminders, end to end: a customer gave a purchase date in a request,
the clock moves to the day a reminder is due, and the reminder comes through the campaign
outbox, once, with a button that starts a pre-filled request and "Stop these reminders".

The scan is run directly (`queue_due_reminders`) after moving the clock, rather than waiting for
its job; the job does the same thing, and the campaign sender it wakes is the running bot's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ShiftedClock
from bot.services import Kefu
from domain.care.reminders import queue_due_reminders
from domain.desk import lifecycle
from domain.desk.lifecycle import TicketDraft
from domain.rules.warranty import add_months, warranty_ends_on
from sandbox.chatview import text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import customers
from storage.enums import TicketType
from storage.models import Ticket
from storage.survey_models import CampaignRecipient, DeliveryStatus
from tests.conftest import RunningBot, accept_privacy
from tests.e2e.privacy_scan import withdraw_consent
from tests.e2e.test_button_presses import assert_each_press_answered_once

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
    # Product, number and purchase date are filled in: the request starts at the description.
    await wang.chat.wait_for_text(
        chinese.t("Please describe the problem or what you need, in your own words.")
    )
    await wang.send("请上门更换滤芯。")
    await wang.chat.wait_for_bot_message()
    await wang.press(chinese.t("Done"))
    await wang.chat.wait_for_bot_message()
    await wang.press(chinese.t("No visit needed"))
    summary = await wang.chat.wait_for_text(chinese.t("Please check your request:"))
    assert SERIAL in summary["text"] and purchased.isoformat() in summary["text"]
    assert "AquaPure 600G 反渗透净水器" in summary["text"]
    await wang.press(chinese.t("Confirm and send"))
    await wang.chat.wait_for_text("K-")

    async with kefu.db.read_only() as session:
        newest = await session.scalar(
            select(Ticket).where(Ticket.id != first_ticket).order_by(Ticket.id.desc())
        )
    assert newest is not None
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
