"""The set-up of tests whose bot escalates: its business file, the staff desk in use with a
managers' chat beside it, a second handle on the bot account for running jobs directly, and a
ticket as the intake stores it, announced to the desk.

A test module defines its own `settings` with `business_settings`; `desk_bot` is a fixture of
tests/e2e/conftest.py.
"""

from __future__ import annotations

from pathlib import Path

from telegram import Bot

from bot.config import Settings
from bot.services import Kefu
from domain.desk import topics
from sandbox.chatview import ChatView
from sandbox.client import SandboxClient, SandboxUser
from storage import customers, tickets
from storage.enums import Language, TicketType
from tests.conftest import AMY, STAFF_CHAT_ID


def business_settings(
    database_url: str, tmp_path: Path, business: str, **more: object
) -> Settings:
    """Settings whose business file is `business` (TOML): its sections replace the defaults."""
    config = tmp_path / "kefu.toml"
    config.write_text(business, encoding="utf-8")
    return Settings(
        database_url=database_url,
        staff_chat_id=STAFF_CHAT_ID,
        admin_ids=[AMY.id],
        timezone="Asia/Shanghai",
        config=config,
        **more,
    )


async def desk_with_managers(
    client: SandboxClient, staff_member: SandboxUser, admin: SandboxUser, managers_chat_id: int
) -> None:
    # WORKAROUND: the sandbox numbers a new forum's first topic 1, which is the General topic's
    # id, so messages sent into it land in General. A real staff chat has older messages.
    await staff_member.send("Good morning, team!", chat_id=STAFF_CHAT_ID)
    await client.create_group(
        managers_chat_id, "Managers", is_forum=False, members=[admin.id], admins=[admin.id]
    )


async def open_ticket(
    kefu: Kefu,
    bot: Bot,
    customer: SandboxUser,
    type: TicketType = TicketType.REPAIR,
    *,
    description: str = "No hot water.",
) -> tuple[int, str]:
    """A consented customer's ticket as the intake stores it, announced to the desk."""
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        person = await customers.get_or_create_by_telegram(
            session, customer.id, now=now, language=Language.EN
        )
        await customers.record_consent(session, person, now=now, first_name="Alice")
        ticket = await tickets.create(session, person, type, now=now, description=description)
        ticket_id, number = ticket.id, ticket.number
    await topics.announce_ticket(bot, kefu, ticket_id)
    return ticket_id, number


async def topic_of(kefu: Kefu, client: SandboxClient, ticket_id: int) -> ChatView:
    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    assert ticket is not None and ticket.staff_topic_id is not None
    return client.chat(STAFF_CHAT_ID).topic(ticket.staff_topic_id)
