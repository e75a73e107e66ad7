"""After the retention period, names, contacts, addresses and texts go; the anonymous service
record (type, dates, statuses, anonymous details) stays."""

from datetime import timedelta

from sqlalchemy import select

from storage import customers, events, retention, tickets, visits
from storage.enums import EventKind, TicketStatus, TicketType
from storage.events import Actor
from storage.survey_models import CampaignRecipient, DeliveryStatus

DAY = timedelta(days=1)


async def _closed_ticket(db, customer_id: int, closed_at, **details):
    async with db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        ticket = await tickets.create(
            session,
            customer,
            TicketType.REPAIR,
            now=closed_at - DAY,
            description="The seat does not heat",
            details={"visit": True, "time_window": "morning", **details},
        )
        await tickets.set_status(
            session, ticket, TicketStatus.CLOSED, actor=Actor.system(), now=closed_at
        )
        return ticket.id


async def test_personal_data_goes_after_retention_and_the_record_stays(db, alice, now):
    old = await _closed_ticket(db, alice.id, now - 1100 * DAY, address="12 Garden Road")
    async with db.unit_of_work() as session:
        customer = await customers.get(session, alice.id)
        customer.updated_at = now - 1100 * DAY
        assert (
            await retention.erase_expired(session, closed_before=now - 1095 * DAY, now=now) != []
        )

    async with db.read_only() as session:
        ticket = await tickets.get(session, old)
        assert "address" not in ticket.details and ticket.details["time_window"] == "morning"
        assert ticket.personal_data_erased_at == now
        assert ticket.description is None and ticket.type == TicketType.REPAIR
        assert ticket.closed_at == now - 1100 * DAY
        record = await events.history(session, old)
        assert record[0].kind == EventKind.CREATED and record[0].actor_name is None
        customer = await customers.get(session, alice.id)
        assert customer.first_name is None and customer.telegram_id == 1001


async def test_recent_or_open_tickets_keep_everything(db, alice, now):
    recent = await _closed_ticket(db, alice.id, now - 10 * DAY, address="12 Garden Road")
    async with db.unit_of_work() as session:
        assert (
            await retention.erase_expired(session, closed_before=now - 1095 * DAY, now=now) == []
        )
    async with db.read_only() as session:
        assert (await tickets.get(session, recent)).details["address"] == "12 Garden Road"
        assert (await customers.get(session, alice.id)).first_name == "Alice"


async def test_a_customer_with_a_recent_ticket_keeps_their_profile(db, alice, now):
    await _closed_ticket(db, alice.id, now - 1100 * DAY, address="old address")
    await _closed_ticket(db, alice.id, now - 5 * DAY, address="new address")
    async with db.unit_of_work() as session:
        (await customers.get(session, alice.id)).updated_at = now - 1100 * DAY
        assert (
            await retention.erase_expired(session, closed_before=now - 1095 * DAY, now=now) != []
        )
        assert (
            await retention.erase_expired(session, closed_before=now - 1095 * DAY, now=now) == []
        )
    async with db.read_only() as session:
        assert (await customers.get(session, alice.id)).first_name == "Alice"


async def test_a_follow_up_visits_comment_goes_with_its_ticket_and_the_answer_stays(
    db, alice, now
):
    old = await _closed_ticket(db, alice.id, now - 1100 * DAY)
    await _closed_ticket(db, alice.id, now - 5 * DAY)  # so the profile stays: only `old` goes
    async with db.unit_of_work() as session:
        campaign = await visits.followup_campaign(session, now=now - 1100 * DAY)
        session.add(
            CampaignRecipient(
                run_id=campaign.run_id,
                campaign_id=campaign.campaign_id,
                customer_id=alice.id,
                ticket_id=old,
                status=DeliveryStatus.SENT,
                next_attempt_at=now - 1100 * DAY,
                answer=visits.WORKS_WELL,
                comment="Call me on 138 0013 8000 if it breaks again",
                answered_at=now - 1099 * DAY,
            )
        )
    async with db.unit_of_work() as session:
        assert (
            await retention.erase_expired(session, closed_before=now - 1095 * DAY, now=now) != []
        )
    async with db.read_only() as session:
        [row] = await session.scalars(
            select(CampaignRecipient).where(CampaignRecipient.ticket_id == old)
        )
    assert (row.comment, row.answer) == (None, visits.WORKS_WELL)
