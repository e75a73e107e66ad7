"""A survey answered while Kefu is killed.

- The customer rates a resolved ticket, sees "tell us more", Kefu is SIGKILLed at that moment
  (before the press is marked handled), and the comment they then type is kept as the survey's
  comment. Handling is at least once, so the star press is handled again after the restart;
  that second handling must leave Kefu expecting the comment, as the first one told the
  customer it would.
- The comment itself is handled, its step written (no comment expected any more), and Kefu is
  killed before the update is marked handled. Handled again, it is still the comment.

A comment taken for a follow-up instead reopens the resolved ticket and is lost to the survey.
"""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from handlers.customer.surveys.verdicts import COMMENT as PROMPT
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from storage import customers, migrate, tickets
from storage.db import Database, create_engine
from storage.enums import TicketStatus, TicketType
from storage.events import Actor
from tests.conftest import ALICE
from tests.reliability.process import KefuProcess

pytestmark = pytest.mark.both_databases

CONFIG = """
[surveys]
csat_delay_minutes = 0
"""
COMMENT = "The technician came on time and explained everything."


async def resolved_ticket(url: str, telegram_id: int) -> str:
    """A consented customer's ticket, resolved a minute ago: its survey is due."""
    await migrate.upgrade(url)
    db = Database(url)
    now = datetime.now(UTC) - timedelta(minutes=1)
    try:
        async with db.unit_of_work() as session:
            customer = await customers.get_or_create_by_telegram(session, telegram_id, now=now)
            await customers.record_consent(session, customer, now=now, first_name="Alice")
            ticket = await tickets.create(session, customer, TicketType.REPAIR, now=now)
            await tickets.set_status(
                session,
                ticket,
                TicketStatus.RESOLVED,
                actor=Actor.staff(2001, "Li Wei"),
                now=now,
            )
            return ticket.number
    finally:
        await db.dispose()


async def survey_once_drained(kefu: KefuProcess, number: str, *, within: float) -> list[tuple]:
    """Score, comment and ticket status, once every update is handled (within `within` s) and
    Kefu stopped."""
    await kefu.until(kefu.inbox_drained, within, "every update is handled")
    assert await kefu.stop() == 0
    return await kefu.query(
        "SELECT s.score, s.comment, t.status FROM ticket_surveys s"
        " JOIN tickets t ON t.id = s.ticket_id WHERE t.number = :number",
        number=number,
    )


async def test_a_comment_asked_for_just_before_a_kill_is_kept_as_the_comment(
    sandbox: RunningSandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    alice: SandboxUser = await client.create_user(ALICE.id, "Alice", language_code="en")
    number = await resolved_ticket(database_url, alice.id)
    config = tmp_path / "kefu.toml"
    config.write_text(CONFIG, encoding="utf-8")
    log = tmp_path / "kefu.log"
    kefu = KefuProcess(sandbox.base_url, database_url, log, KEFU_CONFIG=str(config))
    try:
        await kefu.start()
        question = await alice.chat.wait_for_text("How satisfied are you", timeout=20)
        assert number in question["text"]
        # The prompt reaches Alice but its send never returns: Kefu is mid-press when killed.
        await client.add_fault("sendMessage", "hang", hang_seconds=30, execute=True)
        await alice.press("4 ★", message_id=question["message_id"], timeout=1)
        await alice.chat.wait_for_text("tell us more", timeout=10)
        await kefu.kill()
        await client.clear_faults()

        await kefu.start()
        await alice.send(COMMENT)
        await alice.chat.wait_for_text("Thank you for your feedback!", timeout=10)
        survey = await survey_once_drained(kefu, number, within=10)
    finally:
        await kefu.close()
    assert survey == [(4, COMMENT, TicketStatus.RESOLVED.value)]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_comment_handled_again_after_its_step_was_written_is_still_the_comment(
    sandbox: RunningSandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    """PostgreSQL only: the test holds the update's inbox row locked, so that the handled mark
    waits while the step is written; SQLite's one lock would hold back the step as well."""
    alice: SandboxUser = await client.create_user(ALICE.id, "Alice", language_code="en")
    number = await resolved_ticket(database_url, alice.id)
    config = tmp_path / "kefu.toml"
    config.write_text(CONFIG, encoding="utf-8")
    kefu = KefuProcess(
        sandbox.base_url, database_url, tmp_path / "kefu.log", KEFU_CONFIG=str(config)
    )
    holder = create_engine(database_url)
    try:
        await kefu.start()
        question = await alice.chat.wait_for_text("How satisfied are you", timeout=20)
        await alice.press("4 ★", message_id=question["message_id"], timeout=5)
        await alice.chat.wait_for_text("tell us more", timeout=10)
        await kefu.until(kefu.inbox_drained, 10, "the press is handled")

        # The thanks for the comment is refused once (429, retry after 1 s): the time to lock
        # the comment's inbox row before Kefu can mark it.
        await client.add_fault("sendMessage", "429", retry_after=1)
        async with holder.connect() as lock:
            await alice.send(COMMENT)

            async def locked() -> bool:
                pending = "SELECT update_id FROM inbox_updates WHERE processed_at IS NULL"
                return bool((await lock.execute(text(pending + " FOR UPDATE"))).all())

            await kefu.until(locked, 10, "the comment is in the inbox")
            await alice.chat.wait_for_text("Thank you for your feedback!", timeout=10)

            async def step_written() -> bool:
                rows = await kefu.query(
                    "SELECT data FROM user_states WHERE telegram_id = :id", id=alice.id
                )
                return not rows or PROMPT not in pickle.loads(rows[0][0])

            await kefu.until(step_written, 10, "the comment's step is written")
            await kefu.kill()
            await lock.rollback()
        assert await kefu.scalar(
            "SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL"
        ), "the comment was marked handled before the kill: the test proves nothing"

        await kefu.start()
        survey = await survey_once_drained(kefu, number, within=20)
    finally:
        await kefu.close()
        await holder.dispose()
    said = [m["text"] for m in await alice.chat.messages() if m.get("text")]
    assert not [t for t in said if t.startswith("We have reopened")], said
    assert survey == [(4, COMMENT, TicketStatus.RESOLVED.value)]
