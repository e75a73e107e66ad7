"""An emergency's columns: migrated on both databases, listed for the reports, and erased with
the customer's other free texts."""

from __future__ import annotations

from datetime import timedelta

from storage import emergencies, erasure, tickets
from storage.db import Database
from storage.enums import TicketType
from storage.models import Customer, Ticket
from tests.storage.conftest import NOW


async def _emergency(db: Database, alice: Customer, *, cause: str | None) -> int:
    async with db.unit_of_work() as session:
        ticket = await tickets.create(
            session, alice, TicketType.REPAIR, now=NOW, description="Water everywhere"
        )
        ticket.emergency_at = NOW + timedelta(minutes=1)
        ticket.first_response_at = NOW + timedelta(minutes=8)
        ticket.emergency_cause = cause
        ticket.emergency_prevention = "Yearly hose check at Mrs Alice's, 88 Century Avenue"
        return ticket.id


async def test_the_emergencies_of_a_period_with_their_response_and_cause(
    db: Database, alice: Customer
) -> None:
    await _emergency(db, alice, cause="A cracked hose")
    async with db.read_only() as session:
        found = await emergencies.raised_between(session, NOW, NOW + timedelta(days=1))
        none = await emergencies.raised_between(
            session, NOW + timedelta(days=1), NOW + timedelta(days=2)
        )

    assert found.count == 1 and none == emergencies.Emergencies(0, ())
    (row,) = found.listed
    assert row.cause == "A cracked hose" and row.response_seconds == 7 * 60


async def test_erasing_the_customer_erases_the_cause_and_prevention(
    db: Database, alice: Customer
) -> None:
    ticket_id = await _emergency(db, alice, cause="Alice's cat chewed the hose")
    async with db.unit_of_work() as session:
        await erasure.erase_customer(session, alice, now=NOW + timedelta(days=1), by="customer")
    async with db.read_only() as session:
        ticket = await session.get(Ticket, ticket_id)

    assert ticket is not None and ticket.emergency_at is not None  # the anonymous fact stays
    assert ticket.emergency_cause is None and ticket.emergency_prevention is None
