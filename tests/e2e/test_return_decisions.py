"""Staff may override the return policy's verdict; the customer hears it in their language."""

from __future__ import annotations

from datetime import date

from telegram import Bot

from bot.services import Kefu
from sandbox.client import SandboxClient, SandboxUser
from storage.enums import Language, TicketType, Warranty
from tests.e2e.test_staff_desk import desk_bot, desk_open, open_ticket, ticket_state, topic_of

__all__ = ["desk_bot", "desk_open"]  # fixtures shared with the staff desk tests

LATE_RETURN = {
    "type": TicketType.RETURN,
    "product_id": None,
    "serial_number": None,
    "warranty": Warranty.UNKNOWN,
    "order_number": "JD-7781",
    "delivery_date": date(2026, 10, 1),
    "description": "Changed my mind",
    "details": {"reason": "changed_mind", "resolution": "refund", "eligible": False},
}


async def test_staff_approve_a_late_return_as_an_exception(
    kefu: Kefu, desk_bot: Bot, chen: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    number = await open_ticket(kefu, desk_bot, chen, language=Language.ZH_HANT, **LATE_RETURN)
    topic = await topic_of(client, number)
    await staff_member.send(
        "/approve long-standing customer", chat_id=topic.chat_id, thread_id=topic.thread_id
    )
    await topic.wait_for_text("Approved by Li Wei")
    told = await chen.chat.wait_for_text(f"您的申請 {number} 已獲批准")
    assert "long-standing customer" in told["text"]
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.details["eligible"] is True and ticket.details["decided_by"] == "Li Wei"


async def test_staff_decline_with_a_reason_and_repairs_cannot_be_declined(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN, **LATE_RETURN)
    topic = await topic_of(client, number)
    await staff_member.send(
        "/decline the seal is broken", chat_id=topic.chat_id, thread_id=topic.thread_id
    )
    told = await alice.chat.wait_for_text(f"your request {number} cannot be accepted")
    assert "Note from our team: the seal is broken" in told["text"]

    repair = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    repair_topic = await topic_of(client, repair)
    await staff_member.send(
        "/decline", chat_id=repair_topic.chat_id, thread_id=repair_topic.thread_id
    )
    await repair_topic.wait_for_text("Only return and exchange requests")
