"""Kefu's scheduled jobs, each run through the running Application's own JobQueue.

The other tests call the jobs' functions directly; here every job is found by its name in
`application.job_queue` and run with PTB's `Job.run`, so what runs is the job as registered: its
callback, the context PTB builds for it, the error handler behind it. The scheduler's own ticks
are paused: what changes is what the test's run did, not a tick that happened to come in
between.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import Job

from bot import runner
from bot.app import build_application
from bot.clock import ShiftedClock
from bot.context import KefuApplication
from bot.inbox import KEEP_HANDLED
from bot.services import Kefu
from sandbox.chatview import ChatView, text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import tickets
from storage.enums import TicketStatus
from storage.models import InboxUpdate, Ticket
from tests.conftest import STAFF_CHAT_ID, RunningBot, accept_privacy
from tests.e2e.helpers import ask_a_person, wait_for_topic
from tests.e2e.privacy_scan import forget_me

pytestmark = pytest.mark.both_databases


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[KefuApplication]:
    """Each Application `run_polling` builds (requested before `kefu_bot`, which starts it)."""
    applications: list[KefuApplication] = []

    def build_and_keep(*args: Any, **kwargs: Any) -> KefuApplication:
        applications.append(build_application(*args, **kwargs))
        return applications[-1]

    monkeypatch.setattr(runner, "build_application", build_and_keep)
    return applications


@pytest.fixture
def application(built: list[KefuApplication], kefu_bot: RunningBot) -> KefuApplication:
    """The running bot's Application, its scheduler paused so that only the test runs jobs."""
    [running] = built
    assert running.job_queue is not None
    running.job_queue.scheduler.pause()
    return running


def scheduled(application: KefuApplication, name: str) -> Job[Any]:
    assert application.job_queue is not None
    [job] = application.job_queue.get_jobs_by_name(name)
    return job


async def run_now(application: KefuApplication, name: str) -> None:
    """Run the job named `name` through the job queue, once Kefu has finished with every
    update so far (a handler's own attempt, at a topic say, must not race the job's)."""
    await handled_updates(application.bot_data.kefu)
    await scheduled(application, name).run(application)


async def later(kefu: Kefu, clock: ShiftedClock, by: timedelta) -> None:
    """Time passes once Kefu has finished with every update so far, not in the middle of one."""
    await handled_updates(kefu)
    clock.advance(by)


async def handled_updates(kefu: Kefu, timeout: float = 10) -> list[int]:
    """The ids of the updates in the inbox, once every one of them is marked handled."""
    async with asyncio.timeout(timeout):
        while True:
            async with kefu.db.read_only() as session:
                rows = (
                    await session.execute(select(InboxUpdate.update_id, InboxUpdate.processed_at))
                ).all()
            if all(processed_at is not None for _, processed_at in rows):
                return sorted(update_id for update_id, _ in rows)
            await asyncio.sleep(0.05)  # a polling interval inside the timeout


async def a_ticket_in_its_topic(alice: SandboxUser, client: SandboxClient) -> ChatView:
    """Alice, past the privacy notice, asks our team a question: K-000001 and its topic."""
    await accept_privacy(alice)
    assert "K-000001 is open" in await ask_a_person(alice, "Is there a store in Suzhou?")
    topic = client.chat(
        STAFF_CHAT_ID, (await wait_for_topic(client, "#K-000001"))["message_thread_id"]
    )
    # The card comes once the topic is the ticket's: from then on staff commands there work.
    await topic.wait_until(lambda posts: any("#K-000001" in text_of(m) for m in posts))
    return topic


async def resolved_by_staff(staff: SandboxUser, alice: SandboxUser, topic: ChatView) -> None:
    await staff.send("/resolve", chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id)
    await alice.chat.wait_for_text("has been resolved")


async def ticket_k1(kefu: Kefu) -> Ticket:
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, "K-000001")
    assert ticket is not None
    return ticket


async def topic_names(client: SandboxClient) -> list[str]:
    return [topic["name"] for topic in await client.chat(STAFF_CHAT_ID).topics()]


async def test_the_survey_tick_asks_the_customer_once_the_delay_has_passed(
    application: KefuApplication,
    kefu: Kefu,
    alice: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
    clock: ShiftedClock,
) -> None:
    topic = await a_ticket_in_its_topic(alice, client)
    await resolved_by_staff(staff_member, alice, topic)

    await run_now(application, "surveys:csat")  # too early: nothing is due
    await later(kefu, clock, timedelta(minutes=kefu.config.surveys.csat_delay_minutes, seconds=30))
    await run_now(application, "surveys:csat")

    question = await alice.chat.wait_for_text("How satisfied are you")
    assert "K-000001" in question["text"]
    asked = [m for m in await alice.chat.messages() if "How satisfied" in (m.get("text") or "")]
    assert len(asked) == 1


async def test_the_announce_job_opens_the_topic_that_telegram_failed_to_create(
    application: KefuApplication, alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    await client.add_fault("createForumTopic", "500", count=1)
    assert "K-000001 is open" in await ask_a_person(alice, "Is there a store in Suzhou?")
    assert await topic_names(client) == []

    await run_now(application, "desk:announce")

    topic = await wait_for_topic(client, "#K-000001")
    card = client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
    await card.wait_until(lambda posts: any("Suzhou" in text_of(m) for m in posts))


async def test_the_close_job_closes_a_resolved_ticket_after_the_reopen_window(
    application: KefuApplication,
    kefu: Kefu,
    alice: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
    clock: ShiftedClock,
) -> None:
    topic = await a_ticket_in_its_topic(alice, client)
    await resolved_by_staff(staff_member, alice, topic)
    window = timedelta(days=kefu.config.support.reopen_days)

    await later(kefu, clock, window - timedelta(hours=1))
    await run_now(application, "desk:close_expired")
    assert (await ticket_k1(kefu)).status == TicketStatus.RESOLVED
    await later(kefu, clock, timedelta(hours=2))
    await run_now(application, "desk:close_expired")

    assert (await ticket_k1(kefu)).status == TicketStatus.CLOSED
    closed = [t for t in await client.chat(STAFF_CHAT_ID).topics() if t["is_closed"]]
    assert [t["message_thread_id"] for t in closed] == [topic.thread_id]


async def test_the_erasure_job_tells_the_topic_what_a_telegram_failure_left_untold(
    application: KefuApplication,
    kefu: Kefu,
    alice: SandboxUser,
    client: SandboxClient,
    clock: ShiftedClock,
) -> None:
    topic = await a_ticket_in_its_topic(alice, client)
    await client.add_fault("editForumTopic", "500", count=1)
    await forget_me(alice)
    await handled_updates(kefu)  # the erasure's own notice has failed
    assert await topic_names(client) == ["#K-000001 · Consultation · Alice"]

    await later(kefu, clock, timedelta(minutes=6))  # the failed notice's lease has run out
    await run_now(application, "desk:erasures")

    assert await topic_names(client) == ["#K-000001 · Consultation · erased ✅"]
    await topic.wait_for_text("The customer erased their personal data")


async def test_the_retention_job_erases_a_closed_ticket_once_its_period_has_passed(
    application: KefuApplication,
    kefu: Kefu,
    alice: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
    clock: ShiftedClock,
) -> None:
    topic = await a_ticket_in_its_topic(alice, client)
    await staff_member.send("/close", chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id)
    await topic.wait_for_text("Closed by Li Wei.")
    period = timedelta(days=kefu.config.privacy.retention_days)

    await later(kefu, clock, period - timedelta(days=1))
    await run_now(application, "privacy:retention")
    assert (await ticket_k1(kefu)).personal_data_erased_at is None
    await later(kefu, clock, timedelta(days=2))
    await run_now(application, "privacy:retention")

    ticket = await ticket_k1(kefu)
    assert ticket.erased_by == "retention" and ticket.description is None
    await topic.wait_for_text("The retention period has passed")
    assert await topic_names(client) == ["#K-000001 · Consultation · erased ✅"]


async def test_the_inbox_cleanup_drops_handled_updates_after_the_redelivery_window(
    application: KefuApplication, kefu: Kefu, alice: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(alice)
    await later(kefu, clock, KEEP_HANDLED + timedelta(hours=1))
    await alice.send("/help")
    await alice.chat.wait_for_text("How Kefu works")
    *old, recent = await handled_updates(kefu)
    assert len(old) >= 2  # her /start and her press on Accept, at least

    await run_now(application, "inbox:forget_old")

    assert await handled_updates(kefu) == [recent]
