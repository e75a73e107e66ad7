"""Survey campaigns, end to end: an admin composes one with /campaign, it goes out through the
outbox within the sandbox's flood limits, customers answer, the admin pauses, resumes and reads
the results."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import func, select

from bot.services import Kefu
from domain.campaigns import runtime, schedule
from sandbox.chatview import Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import customers
from storage.survey_models import CampaignRecipient, DeliveryStatus
from tests.conftest import accept_privacy
from tests.e2e.helpers import wait_until_unreachable

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]

FIRST_CUSTOMER_ID = 500_000
QUESTION = "How likely are you to recommend us to a friend?"


# --- helpers ------------------------------------------------------------------------------------


async def consenting_customers(
    client: SandboxClient, kefu: Kefu, count: int, *, first: int = FIRST_CUSTOMER_ID
) -> list[SandboxUser]:
    """`count` people in the sandbox, known to Kefu as customers who accepted the notice."""
    users: list[SandboxUser] = []
    for start in range(0, count, 50):
        users += await asyncio.gather(
            *[
                client.create_user(first + n, f"Customer {n}", language_code="en")
                for n in range(start, min(start + 50, count))
            ]
        )
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        for user in users:
            customer = await customers.get_or_create_by_telegram(session, user.id, now=now)
            await customers.record_consent(session, customer, now=now, first_name="Customer")
    return users


async def compose(
    admin: SandboxUser, *, kind: str, text: str, when: str = "Start now", at: str | None = None
) -> Message:
    """Go through /campaign with the English text for every language; the status message."""
    await admin.send("/campaign")
    await admin.chat.wait_for_text("What kind of question?")
    await admin.press(kind)
    await admin.chat.wait_for_text("Type the question in English")
    await admin.send(text)
    await admin.chat.wait_for_text("Preview (English)")
    for language in ("简体中文", "繁體中文"):
        await admin.chat.wait_for_text(f"Type the question in {language}")
        await admin.press("Use the English text")
    await admin.chat.wait_for_text("Who should receive it?")
    await admin.press("All customers who accepted the privacy notice")
    await admin.chat.wait_for_text("When should it be sent?")
    await admin.press(when)
    if at is not None:
        await admin.chat.wait_for_text("Type the date and time")
        await admin.send(at)
    await admin.chat.wait_for_text("Please check the campaign")
    await admin.press("Create campaign")
    await admin.chat.wait_for_text("created")
    return await admin.chat.wait_for_text("Audience:")


async def wait_for(
    client: SandboxClient, condition: Callable[[], Awaitable[bool]], timeout: float = 30
) -> None:
    """Re-check `condition` whenever something happens in the sandbox, until it holds."""
    deadline = time.monotonic() + timeout
    seq = (await client.events())["seq"]
    while not await condition():
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"condition not met within {timeout} s"
        seq = (await client.events(after=seq, timeout=min(remaining, 0.5)))["seq"]


async def delivery_counts(kefu: Kefu) -> Counter[DeliveryStatus]:
    async with kefu.db.read_only() as session:
        rows = await session.execute(
            select(CampaignRecipient.status, func.count()).group_by(CampaignRecipient.status)
        )
        return Counter({DeliveryStatus(status): count for status, count in rows})


async def questions_received(client: SandboxClient, users: list[SandboxUser]) -> dict[int, int]:
    """Per person, how many campaign questions are in their chat."""
    chats = await asyncio.gather(*[client.chat(u.id).messages() for u in users])
    return {
        user.id: sum(QUESTION in text_of(m) for m in messages)
        for user, messages in zip(users, chats, strict=True)
    }


async def successful_sends(client: SandboxClient) -> Counter[int]:
    calls = await client.calls("sendMessage")
    return Counter(int(call["params"]["chat_id"]) for call in calls if call["ok"])


# --- tests --------------------------------------------------------------------------------------


async def test_only_admins_may_run_campaigns(mallory: SandboxUser) -> None:
    await mallory.send("/campaign")
    refusal = await mallory.chat.wait_for_bot_message()
    assert "only Kefu's administrators" in refusal["text"]
    await mallory.send("/campaigns")
    refusal = await mallory.chat.wait_for_bot_message()
    assert "only Kefu's administrators" in refusal["text"]


async def test_a_campaign_reaches_every_customer_exactly_once_within_flood_limits(
    kefu: Kefu, client: SandboxClient, admin: SandboxUser
) -> None:
    people = await consenting_customers(client, kefu, 240)
    # Two blocked the bot some time ago: Telegram told Kefu, so they are left out.
    blocked_before = people[:2]
    for person in blocked_before:
        await person.block()
        await wait_until_unreachable(kefu, person.id, expected=True)
    await client.set_limits(per_second=30)
    status = await compose(
        admin, kind="Net Promoter Score (0–10)", text=QUESTION, when="At a time I choose",
        at="2099-01-01 09:00",
    )  # fmt: skip
    assert "scheduled" in status["text"]
    # Telegram misbehaves a little: flood control twice, a server error once.
    await client.add_fault("sendMessage", "429", count=2, retry_after=1)
    await client.add_fault("sendMessage", "500", count=1)

    await admin.press("Start now", message_id=status["message_id"])
    # Sending has begun, so every recipient has its outbox row; three of the last to be sent
    # to block the bot now (at 28.65/s they are about eight seconds away): their sends meet a 403.
    await people[10].chat.wait_for_text(QUESTION, timeout=30)
    blocked_during = people[-3:]
    for person in blocked_during:
        await person.block()

    await admin.chat.wait_for_edit(status["message_id"], "finished", timeout=60)
    reached = people[2:-3]
    received = await questions_received(client, people)
    assert {received[p.id] for p in reached} == {1}
    assert all(received[p.id] == 0 for p in blocked_before + blocked_during)
    sends = await successful_sends(client)
    assert all(sends[p.id] == 1 for p in reached)
    counts = await delivery_counts(kefu)
    assert counts == {DeliveryStatus.SENT: len(reached), DeliveryStatus.BLOCKED: 3}
    async with kefu.db.read_only() as session:
        for person in blocked_before + blocked_during:
            customer = await customers.get_by_telegram(session, person.id)
            assert customer is not None and customer.unreachable_at is not None
    final = next(m for m in await admin.chat.messages() if m["message_id"] == status["message_id"])
    assert f"Sent: {len(reached)}" in final["text"] and "Blocked: 3" in final["text"]


async def test_customers_answer_say_why_or_opt_out_and_the_admin_sees_results(
    kefu: Kefu, client: SandboxClient, admin: SandboxUser, alice: SandboxUser, chen: SandboxUser
) -> None:
    await accept_privacy(alice)
    await accept_privacy(chen)
    status = await compose(admin, kind="Net Promoter Score (0–10)", text=QUESTION)
    await alice.chat.wait_for_text(QUESTION)
    await chen.chat.wait_for_text(QUESTION)  # no Chinese text given: the English one

    await alice.press("9")
    await alice.chat.wait_for_text("main reason for your score")
    await alice.send("Fast repairs.")
    await alice.chat.wait_for_text("Thank you for your feedback!")
    await chen.press("停止接收此類訊息")
    await chen.chat.wait_for_text("不會再")

    await admin.chat.wait_for_edit(status["message_id"], "Answered: 1")
    await admin.press("Results", message_id=status["message_id"])
    results = await admin.chat.wait_for_text("Campaign #1")
    assert "NPS: +100" in results["text"] and "Fast repairs." in results["text"]
    await admin.press("Chart", message_id=results["message_id"])
    chart = await admin.chat.wait_for_bot_message()
    assert "photo" in chart
    await admin.press("CSV file", message_id=results["message_id"])
    export = await admin.chat.wait_for_bot_message()
    assert export["document"]["file_name"] == "campaign-1.csv"
    csv_text = (await client.file(export["document"]["file_id"])).decode("utf-8-sig")
    assert "Fast repairs." in csv_text and ",9," in csv_text
    async with kefu.db.read_only() as session:
        opted_out = await customers.get_by_telegram(session, chen.id)
    assert opted_out is not None and opted_out.campaigns_opt_out_at is not None


async def test_a_paused_campaign_sends_nothing_until_resumed_then_everyone_once(
    kefu: Kefu, client: SandboxClient, admin: SandboxUser
) -> None:
    people = await consenting_customers(client, kefu, 120)
    sender = runtime.sender(kefu)
    assert sender is not None
    sender.rate = 15.0  # slow enough to press Pause half-way
    status = await compose(admin, kind="Net Promoter Score (0–10)", text=QUESTION)

    async def some_sent() -> bool:
        return (await delivery_counts(kefu))[DeliveryStatus.SENT] >= 20

    await wait_for(client, some_sent)
    await admin.press("Pause", message_id=status["message_id"])

    async def settled() -> bool:
        counts = await delivery_counts(kefu)
        return not sender.busy and counts[DeliveryStatus.SENDING] == 0

    await wait_for(client, settled)
    paused_at = (await delivery_counts(kefu))[DeliveryStatus.SENT]
    await schedule.run_once(kefu)  # the next tick finds nothing to send
    await wait_for(client, settled)
    assert (await delivery_counts(kefu))[DeliveryStatus.SENT] == paused_at < len(people)
    await admin.chat.wait_for_edit(status["message_id"], "paused")

    sender.rate = 40.0
    await admin.press("Resume", message_id=status["message_id"])

    await admin.chat.wait_for_edit(status["message_id"], "finished", timeout=30)
    received = await questions_received(client, people)
    assert set(received.values()) == {1}
    sends = await successful_sends(client)
    assert all(sends[p.id] == 1 for p in people)
