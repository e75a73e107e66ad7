"""The service record: events and attachments say what happened, when, and who did it."""

from datetime import timedelta

from storage import attachments, events, tickets
from storage.enums import ActorKind, AttachmentKind, EventKind, TicketType
from storage.events import Actor


async def test_history_returns_what_when_and_who_in_order(db, alice, now):
    async with db.unit_of_work() as session:
        ticket = await tickets.create(
            session, alice, TicketType.REPAIR, now=now, description="Purifier leaks"
        )
        await events.append(
            session,
            ticket,
            EventKind.CUSTOMER_MESSAGE,
            Actor.customer(alice),
            now=now + timedelta(minutes=1),
            text="Water under the sink",
        )
        await events.append(
            session,
            ticket,
            EventKind.INTERNAL_NOTE,
            Actor.staff(501, "Mei"),
            now=now + timedelta(minutes=2),
            text="Check the inlet valve",
            data={"visible_to_customer": False},
        )

    async with db.unit_of_work() as session:
        record = await events.history(session, ticket.id)

    assert [(e.kind, e.actor_kind, e.actor_telegram_id, e.actor_name, e.text) for e in record] == [
        (EventKind.CREATED, ActorKind.CUSTOMER, 1001, "Alice", "Purifier leaks"),
        (EventKind.CUSTOMER_MESSAGE, ActorKind.CUSTOMER, 1001, "Alice", "Water under the sink"),
        (EventKind.INTERNAL_NOTE, ActorKind.STAFF, 501, "Mei", "Check the inlet valve"),
    ]
    assert [e.created_at for e in record] == [now + timedelta(minutes=m) for m in range(3)]
    assert record[2].data == {"visible_to_customer": False}


async def test_attachments_hang_on_their_message_or_get_their_own_event(db, alice, now):
    async with db.unit_of_work() as session:
        ticket = await tickets.create(session, alice, TicketType.REPAIR, now=now)
        message = await events.append(
            session, ticket, EventKind.CUSTOMER_MESSAGE, Actor.customer(alice), now=now
        )
        photo = await attachments.add(
            session,
            ticket,
            AttachmentKind.PHOTO,
            telegram_file_id="AgAC-photo",
            telegram_file_unique_id="uniq-1",
            actor=Actor.customer(alice),
            now=now,
            event=message,
        )
        invoice = await attachments.add(
            session,
            ticket,
            AttachmentKind.DOCUMENT,
            telegram_file_id="BQAC-doc",
            telegram_file_unique_id="uniq-2",
            actor=Actor.customer(alice),
            now=now,
            file_name="invoice.pdf",
            mime_type="application/pdf",
            size=52_000,
        )

    async with db.unit_of_work() as session:
        files = await attachments.for_ticket(session, ticket.id)
        kinds = [e.kind for e in await events.history(session, ticket.id)]

    assert [(f.kind, f.telegram_file_id) for f in files] == [
        (AttachmentKind.PHOTO, "AgAC-photo"),
        (AttachmentKind.DOCUMENT, "BQAC-doc"),
    ]
    assert photo.event_id == message.id
    assert invoice.event_id not in (None, message.id)
    assert kinds == [EventKind.CREATED, EventKind.CUSTOMER_MESSAGE, EventKind.ATTACHMENT]
