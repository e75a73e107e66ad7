"""Tickets: numbering, look-ups and changes that leave a service record."""

import asyncio
from datetime import timedelta

from sqlalchemy.orm.attributes import set_committed_value

from storage import customers, erasure, events, tickets
from storage.enums import ActorKind, EventKind, Priority, TicketStatus, TicketType
from storage.events import Actor

STAFF = Actor.staff(501, "Mei")


async def test_tickets_are_numbered_in_order(db, alice, now):
    async with db.unit_of_work() as session:
        first = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        second = await tickets.create(session, alice, TicketType.COMPLAINT, now=now)

    assert (first.number, second.number) == ("K-000001", "K-000002")
    async with db.unit_of_work() as session:
        found = await tickets.get_by_number(session, "K-000002")
        assert found is not None and found.type == TicketType.COMPLAINT
        assert found.customer.telegram_id == 1001


async def test_concurrent_creations_get_unique_consecutive_numbers(db, alice, now):
    async def open_one(i: int) -> str:
        async with db.unit_of_work() as session:
            customer = await customers.get(session, alice.id)
            ticket = await tickets.create(
                session, customer, TicketType.CONSULTATION, now=now, description=f"#{i}"
            )
            await asyncio.sleep(0)  # let the others pile up on the lock
            return ticket.number

    numbers = await asyncio.gather(*(open_one(i) for i in range(20)))

    assert sorted(numbers) == [f"K-{n:06d}" for n in range(1, 21)]


async def test_a_rolled_back_creation_gives_its_number_back(db, alice, now):
    alice_id = alice.id  # the rollback expires alice, as it does every object it touched
    try:
        async with db.unit_of_work() as session:
            await tickets.create(session, alice, TicketType.REPAIR, now=now)
            raise RuntimeError("handler failed")
    except RuntimeError:
        pass

    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice_id)
        ticket = await tickets.create(session, customer, TicketType.REPAIR, now=now)
    assert ticket.number == "K-000001"


def test_typed_numbers_are_parsed_to_the_canonical_form():
    assert tickets.parse_number("k-123") == "K-000123"
    assert tickets.parse_number(" K000042 ") == "K-000042"
    assert tickets.parse_number("7") == "K-000007"
    assert tickets.parse_number("K-12a") is None


async def test_open_for_customer_lists_only_active_tickets_newest_first(db, alice, now):
    async with db.unit_of_work() as session:
        repair = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        question = await tickets.create(session, alice, TicketType.CONSULTATION, now=now)
        done = await tickets.create(session, alice, TicketType.INSTALLATION, now=now)
        await tickets.set_status(
            session, question, TicketStatus.WAITING_CUSTOMER, actor=STAFF, now=now
        )
        await tickets.set_status(session, done, TicketStatus.RESOLVED, actor=STAFF, now=now)

    async with db.unit_of_work() as session:
        active = await tickets.open_for_customer(session, alice.id)
        recent = await tickets.recent_for_customer(session, alice.id, limit=2)

    assert [t.number for t in active] == [question.number, repair.number]
    assert [t.number for t in recent] == [done.number, question.number]


async def test_a_staff_topic_finds_its_ticket(db, alice, now):
    async with db.unit_of_work() as session:
        ticket = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        await tickets.set_topic(session, ticket, -100123, 77, now=now)

    async with db.unit_of_work() as session:
        found = await tickets.get_by_topic(session, -100123, 77, for_update=True)
        missing = await tickets.get_by_topic(session, -100123, 78)

    assert found is not None and found.number == ticket.number
    assert missing is None


async def test_first_response_is_stamped_only_once(db, alice, now):
    async with db.unit_of_work() as session:
        ticket = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        assert await tickets.stamp_first_response(session, ticket, now=now + timedelta(hours=1))

    later = now + timedelta(hours=3)
    async with db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket.id)
        assert not await tickets.stamp_first_response(session, ticket, now=later)

    async with db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket.id)
        assert ticket.first_response_at == now + timedelta(hours=1)


async def test_a_stale_copy_cannot_stamp_the_first_response_again(db, alice, now):
    async with db.unit_of_work() as session:
        ticket = await tickets.create(session, alice, TicketType.REPAIR, now=now)
    stale_id = ticket.id

    async with db.unit_of_work() as session:
        await tickets.stamp_first_response(session, await tickets.get(session, stale_id), now=now)

    async with db.unit_of_work() as session:
        stale = await tickets.get(session, stale_id)
        # As if loaded before the other reply committed:
        set_committed_value(stale, "first_response_at", None)
        assert not await tickets.stamp_first_response(session, stale, now=now + timedelta(1))
        assert stale.first_response_at == now


async def test_status_changes_stamp_times_and_record_who(db, alice, now):
    resolved_at, reopened_at = now + timedelta(days=1), now + timedelta(days=2)
    async with db.unit_of_work() as session:
        ticket = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        assert await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=STAFF, now=resolved_at
        )
        assert not await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=STAFF, now=resolved_at
        )
        assert ticket.resolved_at == resolved_at
        await tickets.set_status(
            session, ticket, TicketStatus.OPEN, actor=Actor.customer(alice), now=reopened_at
        )
        assert (ticket.reopened_at, ticket.resolved_at) == (reopened_at, None)

        record = await events.history(session, ticket.id)

    changes = [e for e in record if e.kind == EventKind.STATUS_CHANGED]
    assert [(e.data["from"], e.data["to"], e.actor_kind) for e in changes] == [
        ("open", "resolved", ActorKind.STAFF),
        ("resolved", "open", ActorKind.CUSTOMER),
    ]
    assert changes[0].actor_name == "Mei"


async def test_assignment_priority_and_details_are_recorded(db, alice, now):
    async with db.unit_of_work() as session:
        ticket = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        assert await tickets.assign(
            session, ticket, assignee_telegram_id=501, assignee_name="Mei", actor=STAFF, now=now
        )
        assert await tickets.set_priority(session, ticket, Priority.URGENT, actor=STAFF, now=now)
        await tickets.update_details(
            session, ticket, {"visit": True, "address": "1 Nanjing Rd"}, actor=STAFF, now=now
        )

    async with db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket.id)
        kinds = [e.kind for e in await events.history(session, ticket.id)]

    assert (ticket.assignee_name, ticket.priority) == ("Mei", Priority.URGENT)
    assert ticket.details == {"visit": True, "address": "1 Nanjing Rd"}
    assert kinds == [
        EventKind.CREATED,
        EventKind.ASSIGNED,
        EventKind.PRIORITY_CHANGED,
        EventKind.DETAILS_CHANGED,
    ]


async def test_the_desk_finds_tickets_without_topics_and_long_resolved_ones(db, alice, now):
    async with db.unit_of_work() as session:
        linked = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        await tickets.set_topic(session, linked, -100123, 5, now=now)
        waiting = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        early = await tickets.create(session, alice, TicketType.CONSULTATION, now=now)
        late = await tickets.create(session, alice, TicketType.CONSULTATION, now=now)
        await tickets.set_status(session, early, TicketStatus.RESOLVED, actor=STAFF, now=now)
        later = now + timedelta(days=3)
        await tickets.set_status(session, late, TicketStatus.RESOLVED, actor=STAFF, now=later)

    async with db.read_only() as session:
        assert await tickets.active_without_topic(session, limit=10) == [waiting.id]
        cutoff = now + timedelta(days=1)
        assert await tickets.resolved_before(session, cutoff, limit=10) == [early.id]


async def test_a_card_shown_from_before_an_erasure_keeps_no_name_and_is_due_again(db, alice, now):
    # The card job read the ticket, the customer erased their data, then the job recorded the
    # card and title it had put up from what it read: both named the customer.
    async with db.unit_of_work() as session:
        ticket = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        await tickets.set_topic(session, ticket, -100123, 77, now=now)
    async with db.read_only() as session:
        read = await tickets.get(session, ticket.id)
    assert read is not None and read.card_due_at is not None  # linking it made the card due
    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice.id)
        await erasure.erase_customer(session, customer, now=now, by="customer")
    async with db.unit_of_work() as session:
        await tickets.card_shown(
            session,
            ticket.id,
            read.card_due_at,
            title="K-000001 · Repair · Alice",
            message_id=5,
            shown_erased=read.personal_data_erased_at is not None,
        )
    async with db.read_only() as session:
        stored = await tickets.get(session, ticket.id)
    assert stored is not None and stored.staff_topic_title is None
    assert stored.card_due_at is not None  # shown again, from the erased ticket
    assert stored.staff_card_message_id == 5  # the card to edit
