"""Satisfaction surveys after resolved tickets, end to end through the sandbox.

The scan is run directly (`send_due_surveys`) after moving the clock past the configured delay,
rather than waiting for its 30-second job; the job does the same thing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.clock import ShiftedClock
from bot.services import Kefu
from domain.desk import topics
from domain.surveys import csat
from sandbox.chatview import Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from storage import customers, events, surveys, tickets
from storage.enums import EventKind, TicketStatus, TicketType
from storage.events import Actor
from storage.survey_models import TicketSurvey
from tests.conftest import STAFF_CHAT_ID, TOKEN, RunningBot, accept_privacy

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]


@pytest.fixture
async def bot(sandbox: RunningSandbox) -> AsyncIterator[Bot]:
    """A handle on Kefu's bot account, to run the survey scan directly."""
    async with Bot(TOKEN, base_url=sandbox.bot_api_url, base_file_url=sandbox.file_url) as handle:
        yield handle


async def resolved_ticket(
    kefu: Kefu, bot: Bot, user: SandboxUser, *, with_topic: bool = False
) -> tuple[int, str]:
    """A repair ticket of a customer who accepted the privacy notice, resolved by staff now."""
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get_by_telegram(session, user.id)
        assert customer is not None
        ticket = await tickets.create(
            session, customer, TicketType.REPAIR, now=now, description="The motor is noisy."
        )
        ticket_id, number = ticket.id, ticket.number
    if with_topic:
        await topics.announce_ticket(bot, kefu, ticket_id)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        assert ticket is not None
        await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=Actor.staff(2001, "Li Wei"), now=now
        )
    return ticket_id, number


async def survey_of(kefu: Kefu, ticket_id: int) -> TicketSurvey:
    async with kefu.db.read_only() as session:
        query = select(TicketSurvey).where(TicketSurvey.ticket_id == ticket_id)
        found = await session.scalar(query)
        assert found is not None
        return found


async def after_the_delay(kefu: Kefu, clock: ShiftedClock, bot: Bot) -> None:
    clock.advance(timedelta(minutes=kefu.config.surveys.csat_delay_minutes, seconds=30))
    await csat.send_due_surveys(bot, kefu)


async def test_a_resolved_ticket_brings_a_survey_whose_answer_and_comment_are_kept(
    kefu: Kefu, bot: Bot, alice: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(alice)
    ticket_id, number = await resolved_ticket(kefu, bot, alice)
    await alice.chat.catch_up()

    await csat.send_due_surveys(bot, kefu)  # too early: nothing yet
    await after_the_delay(kefu, clock, bot)

    question = await alice.chat.wait_for_text("How satisfied are you")
    assert number in question["text"]
    assert await alice.press("4 ★") == {"text": "Thank you!", "show_alert": False}
    await alice.chat.wait_for_text("tell us more")
    await alice.send("The technician was quick and friendly.")
    await alice.chat.wait_for_text("Thank you for your feedback!")
    await alice.chat.wait_for_edit(question["message_id"], "★★★★☆")

    # Changing one's mind the same day is fine; two days later the answer stands.
    await alice.press("5 ★", message_id=question["message_id"])
    await alice.chat.wait_for_edit(question["message_id"], "★★★★★")
    clock.advance(timedelta(days=2))
    late = await alice.press("2 ★", message_id=question["message_id"])
    assert late is not None and "already have your answer" in late["text"]

    survey = await survey_of(kefu, ticket_id)
    assert (survey.score, survey.comment) == (5, "The technician was quick and friendly.")
    async with kefu.db.read_only() as session:
        record = await events.history(session, ticket_id)
    assert [e.data for e in record if e.kind == EventKind.SURVEY] == [
        {"score": 4},
        {"comment": True},
        {"score": 5, "previous": 4},
    ]
    assert survey.alerted_at is None  # 4 and 5 are not low


async def test_a_low_score_alerts_the_tickets_staff_topic_with_the_comment(
    kefu: Kefu, bot: Bot, client: SandboxClient, wang: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(wang)
    _ticket_id, number = await resolved_ticket(kefu, bot, wang, with_topic=True)
    topic = await _topic(client, number)
    await topic.catch_up()
    await after_the_delay(kefu, clock, bot)

    question = await wang.chat.wait_for_text("满意")  # asked in Simplified Chinese
    assert number in question["text"]
    await wang.press("1 ★")

    alert = await topic.wait_for_text("Low satisfaction score: 1 of 5")
    assert number in alert["text"] and "王芳" in alert["text"]
    await wang.chat.wait_for_bot_messages(1)
    await wang.send("师傅迟到了两个小时。")
    comment = await topic.wait_for_text("Survey comment on ticket")
    assert "师傅迟到了两个小时。" in comment["text"]


async def test_an_expired_survey_is_answered_politely_and_changes_nothing(
    kefu: Kefu, bot: Bot, alice: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(alice)
    ticket_id, _number = await resolved_ticket(kefu, bot, alice)
    await after_the_delay(kefu, clock, bot)
    question = await alice.chat.wait_for_text("How satisfied are you")

    clock.advance(timedelta(hours=kefu.config.surveys.csat_expiry_hours + 1))
    answer = await alice.press("5 ★")

    assert answer is not None and "This survey has closed" in answer["text"]
    assert (await survey_of(kefu, ticket_id)).score is None
    await alice.chat.wait_for_edit(question["message_id"])  # its buttons are gone


async def test_a_survey_interrupted_by_a_restart_is_sent_once_afterwards(
    kefu_bot: RunningBot, bot: Bot, alice: SandboxUser, clock: ShiftedClock
) -> None:
    kefu = kefu_bot.kefu
    assert kefu is not None
    await accept_privacy(alice)
    ticket_id, _number = await resolved_ticket(kefu, bot, alice)
    clock.advance(timedelta(minutes=kefu.config.surveys.csat_delay_minutes, seconds=30))
    settings = kefu.config.surveys
    async with kefu.db.unit_of_work() as session:  # a scan that crashed before sending
        await surveys.claim_due(
            session,
            now=clock.now(),
            delay=timedelta(minutes=settings.csat_delay_minutes),
            expiry=timedelta(hours=settings.csat_expiry_hours),
            lease=timedelta(0),
            limit=10,
        )

    await kefu_bot.restart()
    assert kefu_bot.kefu is not None
    await csat.send_due_surveys(bot, kefu_bot.kefu)
    await csat.send_due_surveys(bot, kefu_bot.kefu)

    await alice.chat.wait_for_text("How satisfied are you")
    messages = await alice.chat.messages()
    assert sum("How satisfied are you" in text_of(m) for m in messages) == 1
    assert (await survey_of(kefu_bot.kefu, ticket_id)).sent_at is not None


async def _topic(client: SandboxClient, number: str):
    staff = client.chat(STAFF_CHAT_ID)

    def opened(messages: list[Message]) -> list[Message]:
        return [
            m
            for m in messages
            if m.get("forum_topic_created", {}).get("name", "").startswith(f"#{number}")
        ]

    found = opened(await staff.wait_until(lambda messages: bool(opened(messages))))
    return staff.topic(found[0]["message_thread_id"])
