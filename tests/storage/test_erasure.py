"""What the erasure does that the end-to-end scan cannot see (`tests/e2e/test_erasure.py` scans
every column after it): the topic's stored title goes even when no notice renames it, the notice
is queued in the erasure's own transaction, a stored draft goes even when no handler cleared it
first (retention; `/forget` clears the one in memory itself), and what the customer is told it
erased matches what went."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from storage import customer_notes, erasure, inbox, profiles, tickets
from storage.db import Database
from storage.enums import TicketStatus, TicketType
from storage.events import Actor
from storage.models import ConversationState, Customer, InboxUpdate, Ticket, UserState
from tests.storage.conftest import NOW

LATER = NOW + timedelta(hours=1)
BOT_ID = 7
STAFF_ID = 3001


async def _ticket_in_its_topic(db: Database, alice: Customer) -> int:
    async with db.unit_of_work() as session:
        customer = await session.get(Customer, alice.id)
        assert customer is not None
        ticket = await tickets.create(
            session, customer, TicketType.REPAIR, now=NOW, description="It leaks"
        )
        await tickets.set_topic(session, ticket, -100123, 42, now=NOW)
        ticket.staff_topic_title = "#K-000001 · Repair · Alice"  # as the card job last set it
        await tickets.set_status(
            session, ticket, TicketStatus.CLOSED, actor=Actor.system(), now=NOW
        )
        return ticket.id


@pytest.mark.parametrize("by", ["customer", "retention"])
async def test_the_topics_title_goes_and_its_notice_is_queued(
    db: Database, alice: Customer, by: erasure.ErasedBy
) -> None:
    ticket_id = await _ticket_in_its_topic(db, alice)
    async with db.unit_of_work() as session:
        if by == "customer":
            customer = await session.get(Customer, alice.id)
            assert customer is not None
            erased = await erasure.erase_customer(session, customer, now=LATER, by="customer")
        else:
            ticket = await session.get(Ticket, ticket_id)
            assert ticket is not None
            erased = await erasure.anonymise_ticket(session, ticket, now=LATER)
    assert erased.tickets == [ticket_id]

    async with db.read_only() as session:
        ticket = await session.get(Ticket, ticket_id)
    assert ticket is not None
    assert ticket.staff_topic_title is None  # it named her; the notice renames the topic
    assert (ticket.personal_data_erased_at, ticket.erased_by) == (LATER, by)
    assert ticket.erasure_notice_due_at == LATER
    assert (ticket.staff_chat_id, ticket.staff_topic_id) == (-100123, 42)  # to find the topic


async def test_what_the_customer_is_told_was_erased_is_what_went(
    db: Database, alice: Customer
) -> None:
    async with db.unit_of_work() as session:
        customer = await session.get(Customer, alice.id)
        assert customer is not None
        await profiles.remember_product(
            session, customer, product_id=None, serial_number="SN-1", purchase_date=None, now=NOW
        )
        await customer_notes.add_tag(
            session, alice.id, "vip", by_telegram_id=STAFF_ID, by_name="Li Wei", now=NOW
        )
        await customer_notes.add_note(
            session, alice.id, "Alice's dog bites", by_telegram_id=STAFF_ID, by_name=None, now=NOW
        )
        await inbox.store(
            session,
            BOT_ID,
            [
                inbox.Incoming(50, alice.telegram_id, '{"text": "Alice, failed"}'),
                inbox.Incoming(51, alice.telegram_id, '{"text": "Alice: erase me"}'),
                inbox.Incoming(52, alice.telegram_id, '{"text": "Alice, after"}'),
            ],
            now=NOW,
        )
    async with db.unit_of_work() as session:
        customer = await session.get(Customer, alice.id)
        assert customer is not None
        erased = await erasure.erase_customer(
            session, customer, now=LATER, by="customer", current_update_id=51
        )

    assert erased == erasure.Erased(profile=True, products=1, notes=2, inbox=1)
    async with db.read_only() as session:
        payloads = dict(
            (await session.execute(select(InboxUpdate.update_id, InboxUpdate.payload))).all()
        )
    # The request's own update is dropped when it is marked handled, what came after is left.
    assert payloads == {
        50: None,
        51: '{"text": "Alice: erase me"}',
        52: '{"text": "Alice, after"}',
    }


async def test_the_retention_erasure_leaves_the_customers_waiting_updates(
    db: Database, alice: Customer
) -> None:
    async with db.unit_of_work() as session:
        await inbox.store(
            session, BOT_ID, [inbox.Incoming(60, alice.telegram_id, '{"text": "hi"}')], now=NOW
        )
        customer = await session.get(Customer, alice.id)
        assert customer is not None
        erased = await erasure.erase_customer(
            session, customer, now=LATER, by="retention", pending_updates=False
        )
    assert erased.inbox == 0  # live traffic, not a backlog: it is handled, and dropped then
    async with db.read_only() as session:
        assert await session.scalar(select(InboxUpdate.payload)) == '{"text": "hi"}'


@pytest.mark.parametrize("by", ["customer", "retention"])
async def test_a_stored_draft_and_flow_position_go_and_no_one_elses(
    db: Database, alice: Customer, by: erasure.ErasedBy
) -> None:
    async with db.unit_of_work() as session:
        for telegram_id in (alice.telegram_id, 1002):  # hers, and another person's
            session.add(
                UserState(telegram_id=telegram_id, data=b"SN-DRAFT-1 pickled", updated_at=NOW)
            )
            key = json.dumps([telegram_id, telegram_id])
            session.add(ConversationState(handler="repair", key=key, state="3", updated_at=NOW))
    async with db.unit_of_work() as session:
        customer = await session.get(Customer, alice.id)
        assert customer is not None
        erased = await erasure.erase_customer(
            session, customer, now=LATER, by=by, pending_updates=by == "customer"
        )

    assert erased.flow
    async with db.read_only() as session:
        drafts = list(await session.scalars(select(UserState.telegram_id)))
        positions = list(await session.scalars(select(ConversationState.key)))
    assert (drafts, positions) == ([1002], ["[1002, 1002]"])
