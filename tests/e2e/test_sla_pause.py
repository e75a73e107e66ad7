"""/wait pauses a ticket's resolution timer; the customer's next message resumes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Bot

from bot.clock import ShiftedClock
from bot.services import Kefu
from sandbox.client import SandboxClient, SandboxUser
from storage.enums import Language, TicketStatus
from tests.conftest import accept_privacy
from tests.e2e.test_staff_desk import desk_bot, desk_open, open_ticket, ticket_state, topic_of

pytestmark = pytest.mark.both_databases

__all__ = ["desk_bot", "desk_open"]  # fixtures shared with the staff desk tests


async def test_waiting_for_the_customer_pauses_and_their_reply_resumes_the_clock(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    before, _ = await ticket_state(kefu, number)
    assert before.resolution_due_at is not None

    await staff_member.send("/wait", chat_id=topic.chat_id, thread_id=topic.thread_id)
    await topic.wait_for_text("resolution timer is paused")
    paused, _ = await ticket_state(kefu, number)
    assert paused.status == TicketStatus.WAITING_CUSTOMER
    assert paused.resolution_paused_at is not None

    clock.advance(timedelta(days=3))  # the customer takes their time: it must not count
    await alice.send("Sorry for the delay, here is the serial: M8-2024-0042.")
    await topic.wait_for_text("Sorry for the delay")
    resumed, _ = await ticket_state(kefu, number)
    assert resumed.status == TicketStatus.OPEN and resumed.resolution_paused_at is None
    assert resumed.resolution_due_at is not None
    assert resumed.resolution_due_at > before.resolution_due_at


async def test_only_an_open_ticket_can_wait(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await staff_member.send("/resolve", chat_id=topic.chat_id, thread_id=topic.thread_id)
    await topic.wait_for_text("Resolved by")
    await staff_member.send("/wait", chat_id=topic.chat_id, thread_id=topic.thread_id)
    await topic.wait_for_text("Only an open ticket can wait")
