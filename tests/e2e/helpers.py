"""What the flow tests share: the business's today, dates at warranty edges, a tiny photo."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.services import Kefu
from domain.rules.warranty import add_months
from sandbox.client import SandboxClient, SandboxUser
from storage import customers
from tests.conftest import STAFF_CHAT_ID

BUSINESS_ZONE = ZoneInfo("Asia/Shanghai")

# A valid 1x1 PNG: enough for Telegram (and the sandbox) to treat it as a photo.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201ab1d31"
    "f10000000049454e44ae426082"
)


def business_today(clock: Clock) -> date:
    return clock.now().astimezone(BUSINESS_ZONE).date()


def bought_with_warranty_ending(today: date, months: int, *, days_after: int = 0) -> date:
    """The purchase date whose warranty's last covered day is `days_after` days before today."""
    return add_months(today - timedelta(days=days_after) + timedelta(days=1), -months)


async def wait_for_topic(client: SandboxClient, prefix: str, timeout: float = 10) -> dict:
    """The staff chat's forum topic whose name starts with `prefix`, once it exists."""
    staff = client.chat(STAFF_CHAT_ID)
    async with asyncio.timeout(timeout):
        seq = (await client.events())["seq"]
        while True:
            for topic in await staff.topics():
                if topic["name"].startswith(prefix):
                    return topic
            seq = (await client.events(after=seq, timeout=timeout))["seq"]


async def ask_a_person(user: SandboxUser, question: str) -> str:
    """An English-speaking customer who already accepted the privacy notice asks our team a
    question (past the FAQ); the ticket's confirmation text."""
    await user.press("Ask a question")
    await user.chat.wait_for_text("What would you like to know?")
    await user.send(question)
    await user.chat.wait_for_bot_message()  # the FAQ's suggestions, or none
    await user.press("Talk to a person")
    return (await user.chat.wait_for_text("is open"))["text"]


async def complain_of_a_late_parcel(user: SandboxUser) -> None:
    """An English-speaking customer who accepted the privacy notice fills in a delivery
    complaint, up to its summary (confirming it is the caller's: some kill Kefu there)."""
    await user.press("Complaint")
    # A press is answered before the next step is sent: wait for the step itself.
    await user.chat.wait_for_text("What is your complaint about?")
    await user.press("Delivery")
    await user.chat.wait_for_text("Please tell us what happened")
    await user.send("The parcel came three days late.")
    await user.chat.wait_for_text("Send photos")
    await user.press("Done")
    await user.chat.wait_for_text("Please check your complaint")


async def file_a_late_parcel_complaint(user: SandboxUser) -> str:
    """`complain_of_a_late_parcel`, confirmed: the new ticket's number."""
    await complain_of_a_late_parcel(user)
    await user.press("Confirm and send")
    told = await user.chat.wait_for_text("is open")
    return told["text"].split("Your ticket ", 1)[1].split(" ", 1)[0]


async def wait_until_unreachable(
    kefu: Kefu, telegram_id: int, expected: bool, timeout: float = 10
) -> None:
    """Waits until the customer's reachability in the database is as `expected`."""
    async with asyncio.timeout(timeout):
        while True:
            async with kefu.db.read_only() as session:
                customer = await customers.get_by_telegram(session, telegram_id)
            if customer is not None and (customer.unreachable_at is not None) == expected:
                return
            await asyncio.sleep(0.05)  # a polling interval inside the timeout
