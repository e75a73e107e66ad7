"""/privacy and /forget as a customer meets them: the notice, confirmations, what is erased and
said, the staff topic afterwards, and presses that come too late."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Bot

from bot.services import Kefu
from domain.desk.cards import show_due_cards
from sandbox.client import SandboxClient, SandboxUser
from storage import consent, customers, tickets
from storage.enums import TicketStatus
from tests.conftest import STAFF_CHAT_ID, accept_privacy
from tests.e2e.helpers import ask_a_person, wait_for_topic

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]


async def _consent_steps(kefu: Kefu, telegram_id: int) -> list[str]:
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, telegram_id)
        assert customer is not None
        return [step.kind for step in await consent.history(session, customer.id)]


async def test_the_notice_says_what_is_kept_for_how_long_who_sees_it_and_the_rights(
    alice: SandboxUser,
) -> None:
    await alice.send("/privacy")
    notice = (await alice.chat.wait_for_text("Your privacy"))["text"]
    for promise in ("What we keep", "Why", "Who sees it", "1095 days", "/mydata", "/forget"):
        assert promise in notice
    await alice.press("Accept")
    await alice.chat.wait_for_text("welcome to our after-sales service")
    await alice.send("/privacy")
    again = await alice.chat.wait_for_text("You have accepted this notice")
    labels = [b["text"] for row in again["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Withdraw consent"]


async def test_forget_erases_closes_the_ticket_and_tells_customer_and_staff(
    alice: SandboxUser, client: SandboxClient, kefu: Kefu
) -> None:
    await accept_privacy(alice)
    assert "K-000001 is open" in await ask_a_person(alice, "Does the Quillon filter fit model X?")
    number = "K-000001"
    topic = await wait_for_topic(client, f"#{number}")
    assert "Alice" in topic["name"]

    await alice.send("/forget")
    await alice.chat.wait_for_text("Erase everything about you?")
    await alice.press("Erase everything")
    erased = (await alice.chat.wait_for_text("We have erased your personal data"))["text"]
    assert "your name, username and contact details" in erased
    assert "1 request" in erased and "nothing you send reaches our team" in erased

    staff = client.chat(STAFF_CHAT_ID)
    said = await staff.wait_for_text("The customer erased their personal data")
    assert said["message_thread_id"] == topic["message_thread_id"]
    renamed = next(
        t for t in await staff.topics() if t["message_thread_id"] == said["message_thread_id"]
    )
    assert renamed["name"] == f"#{number} · Consultation · erased ✅"  # closed by the erasure
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None and ticket.status == TicketStatus.CLOSED
        assert ticket.description is None and ticket.personal_data_erased_at is not None
    assert await _consent_steps(kefu, alice.id) == ["accepted", "erased"]

    # From now on what Alice writes goes nowhere near the staff: she is asked for consent.
    await alice.send("Quillon again, my number is +86 139 1234 5678")
    await alice.chat.wait_for_text("Please read and accept our privacy notice first")


async def test_an_erased_tickets_topic_is_renamed_and_its_card_edited_once(
    alice: SandboxUser, client: SandboxClient, kefu: Kefu, desk_bot: Bot
) -> None:
    await accept_privacy(alice)
    await ask_a_person(alice, "Does the Quillon filter fit model X?")
    topic = await wait_for_topic(client, "#K-000001")
    staff = client.chat(STAFF_CHAT_ID)
    await staff.wait_for_text("Customer: Alice")  # the card
    before = (await client.calls())[-1]["seq"]

    await alice.send("/forget")
    await alice.chat.wait_for_text("Erase everything about you?")
    await alice.press("Erase everything")
    await staff.wait_for_text("The customer erased their personal data")
    # The erasure closed the ticket, so its card is due as well: its job's next turn, now.
    await show_due_cards(desk_bot, kefu)

    edits = [
        call
        for call in await client.calls(after=before)
        if call["method"] in ("editForumTopic", "editMessageText")
        and call["params"]["chat_id"] == STAFF_CHAT_ID
    ]
    assert [(call["method"], call["ok"]) for call in edits] == [
        ("editForumTopic", True),
        ("editMessageText", True),
    ], edits
    assert edits[0]["params"]["message_thread_id"] == topic["message_thread_id"]
    assert "Customer: erased" in edits[1]["params"]["text"]


async def test_withdrawal_is_confirmed_first_and_keep_changes_nothing(
    alice: SandboxUser, kefu: Kefu
) -> None:
    await accept_privacy(alice)
    await alice.send("/privacy")
    await alice.chat.wait_for_text("You have accepted this notice")
    await alice.press("Withdraw consent")
    await alice.chat.wait_for_text("Withdraw your consent?")
    answer = await alice.press("Keep my data")
    assert answer is not None and answer["text"] == "Nothing was changed."
    assert await _consent_steps(kefu, alice.id) == ["accepted"]

    await alice.send("/privacy")
    await alice.chat.wait_for_text("You have accepted this notice")
    await alice.press("Withdraw consent")
    await alice.chat.wait_for_text("Withdraw your consent?")
    await alice.press("Withdraw and erase")
    erased = await alice.chat.wait_for_text("We have erased your personal data")
    assert "Your consent is withdrawn" in erased["text"]
    assert await _consent_steps(kefu, alice.id) == ["accepted", "withdrawn"]


async def test_an_old_confirmation_erases_nothing(alice: SandboxUser, kefu: Kefu) -> None:
    await accept_privacy(alice)
    await alice.send("/forget")
    await alice.chat.wait_for_text("Erase everything about you?")
    kefu.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    answer = await alice.press("Erase everything")
    assert answer is not None and "This confirmation has expired" in answer["text"]
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, alice.id)
        assert customer is not None and customer.first_name == "Alice"
        assert customer.has_consented


async def test_withdrawing_mid_flow_ends_the_flow_without_an_error(alice: SandboxUser) -> None:
    await accept_privacy(alice)
    await alice.press("Complaint")
    await alice.chat.wait_for_text("What is your complaint about?")
    await alice.send("/forget")
    await alice.chat.wait_for_text("Erase everything about you?")
    await alice.press("Erase everything")
    erased = await alice.chat.wait_for_text("We have erased your personal data")
    assert "the request you were filling in" in erased["text"]
    await alice.send("The installer broke my Quillon tap")
    await alice.chat.wait_for_text("That request is no longer in progress")
