"""After the retention period, names, contacts, addresses and texts go; the anonymous service
record (type, dates, statuses, anonymous details) stays. A customer's own row goes too once
nothing of theirs is left inside the window, whether they ever opened a ticket or not."""

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import (
    campaigns,
    care_events,
    consent,
    customer_notes,
    customers,
    events,
    profiles,
    retention,
    selfservice,
    tickets,
    visits,
)
from storage.campaigns import Audience
from storage.enums import EventKind, TicketStatus, TicketType
from storage.events import Actor
from storage.models import Customer
from storage.profile_models import CustomerNote, CustomerProduct, CustomerTag
from storage.survey_models import (
    AudienceKind,
    CampaignKind,
    CampaignRecipient,
    DeliveryStatus,
    Repeat,
)
from tests.storage.conftest import NOW

DAY = timedelta(days=1)
RETENTION = 1095 * DAY
LONG_AGO = NOW - 1100 * DAY  # before the window
LATELY = NOW - 10 * DAY  # inside it
STAFF_ID = 3001


async def _erase_expired(db) -> list[int]:
    async with db.unit_of_work() as session:
        return await retention.erase_expired(session, closed_before=NOW - RETENTION, now=NOW)


async def _idle_since(db, customer_id: int, at: datetime) -> None:
    """The customer accepted the notice and last changed their row at `at`."""
    async with db.unit_of_work() as session:
        await session.execute(
            update(Customer).where(Customer.id == customer_id).values(consent_at=at, updated_at=at)
        )


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
    await _idle_since(db, alice.id, now - 1100 * DAY)
    async with db.unit_of_work() as session:
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
    await _idle_since(db, alice.id, now - 1100 * DAY)
    async with db.unit_of_work() as session:
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


# --- customers without a ticket ------------------------------------------------------------------


async def _campaign_answered(session: AsyncSession, customer_id: int, at: datetime) -> None:
    """A survey campaign sent at `at` to every consented customer, answered by this one."""
    campaign = await campaigns.create(
        session,
        kind=CampaignKind.NPS,
        texts={"en": {"question": "Would you recommend us?"}},
        audience=Audience(AudienceKind.ALL),
        repeat=Repeat.NONE,
        first_run_at=at,
        created_by=STAFF_ID,
        now=at,
    )
    run = await campaigns.start_run(session, campaign, now=at, next_run_at=None)
    row = await session.scalar(
        select(CampaignRecipient).where(
            CampaignRecipient.run_id == run.id, CampaignRecipient.customer_id == customer_id
        )
    )
    assert row is not None
    row.status = DeliveryStatus.SENT
    await campaigns.record_answer(session, row, 9, now=at)
    await campaigns.record_comment(session, row, "Dora: the heron filter is quiet")


async def _dora(db, at: datetime = LONG_AGO) -> int:
    """A customer who never opened a ticket: a profile with a product, staff's tag and note,
    and a campaign answer with a comment, all given at `at`."""
    async with db.unit_of_work() as session:
        dora = await customers.get_or_create_by_telegram(session, 1005, now=at)
        await customers.record_consent(session, dora, now=at, first_name="Dora")
        await consent.record(session, dora.id, consent.Kind.ACCEPTED, now=at)
        await profiles.set_display_name(session, dora, "Dora P.", now=at)
        await profiles.set_address(session, dora, "3 Heron Quay", now=at)
        await profiles.remember_product(
            session, dora, product_id=None, serial_number="SN-DORA-1", purchase_date=None, now=at
        )
        await customer_notes.add_tag(
            session, dora.id, "dealer", by_telegram_id=STAFF_ID, by_name="Li Wei", now=at
        )
        await customer_notes.add_note(
            session,
            dora.id,
            "Dora sells our filters",
            by_telegram_id=STAFF_ID,
            by_name=None,
            now=at,
        )
        await _campaign_answered(session, dora.id, at)
        return dora.id


async def _what_is_held(db, customer_id: int) -> dict[str, object]:
    async with db.read_only() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        counts = {
            model.__tablename__: await session.scalar(
                select(func.count()).where(model.customer_id == customer_id)
            )
            for model in (CustomerProduct, CustomerTag, CustomerNote)
        }
        answers = [
            tuple(answer)
            for answer in await session.execute(
                select(CampaignRecipient.answer, CampaignRecipient.comment)
                .where(CampaignRecipient.customer_id == customer_id)
                .order_by(CampaignRecipient.id)
            )
        ]
        history = [step.kind for step in await consent.history(session, customer_id)]
    return {
        "names": (customer.first_name, customer.display_name, customer.address),
        "telegram_id": customer.telegram_id,
        **counts,
        "campaign answers": answers,
        "consent history": history,
    }


async def test_a_customer_without_tickets_is_anonymised_once_nothing_is_in_the_window(db):
    dora = await _dora(db)
    assert await _erase_expired(db) == []  # no ticket: none anonymised, but the customer is

    erased = {
        "names": (None, None, None),
        "telegram_id": 1005,
        "customer_products": 0,
        "customer_tags": 0,
        "customer_notes": 0,
        "campaign answers": [(9, None)],  # the score stays, the words go
        "consent history": ["accepted", "erased"],
    }
    assert await _what_is_held(db, dora) == erased
    await _erase_expired(db)  # once: nothing is left to erase
    assert await _what_is_held(db, dora) == erased


async def _profile_changed(session: AsyncSession, customer: Customer) -> None:
    await profiles.set_address(session, customer, "5 Heron Quay", now=LATELY)


async def _campaign_answered_lately(session: AsyncSession, customer: Customer) -> None:
    await _campaign_answered(session, customer.id, LATELY)


async def _product_used(session: AsyncSession, customer: Customer) -> None:
    await session.execute(
        update(CustomerProduct)
        .where(CustomerProduct.customer_id == customer.id)
        .values(updated_at=LATELY)  # given again in a request (`profiles.remember_product`)
    )


async def _noted_by_staff(session: AsyncSession, customer: Customer) -> None:
    await customer_notes.add_note(
        session,
        customer.id,
        "asked for a quote",
        by_telegram_id=STAFF_ID,
        by_name=None,
        now=LATELY,
    )


async def _registered_long_ago_for_an_event_to_come(
    session: AsyncSession, customer: Customer
) -> None:
    event, _ = await care_events.announce(
        session,
        title={"en": "Filter care class"},
        text={"en": "Bring your filter."},
        starts_at=NOW + 7 * DAY,
        place="Hangzhou showroom",
        capacity=10,
        audience=Audience(AudienceKind.ALL),
        created_by=STAFF_ID,
        now=LONG_AGO,
    )
    outcome = await care_events.register(session, event.id, customer.id, now=LONG_AGO)
    assert outcome == care_events.Outcome.REGISTERED


async def _helped_by_the_faq(session: AsyncSession, customer: Customer) -> None:
    await selfservice.record(
        session, customer_id=customer.id, faq_id="descaling", language="en", now=LATELY
    )


async def _a_ticket_still_open(session: AsyncSession, customer: Customer) -> None:
    await tickets.create(session, customer, TicketType.CONSULTATION, now=LONG_AGO)


@pytest.mark.parametrize(
    "activity",
    [
        _profile_changed,
        _campaign_answered_lately,
        _product_used,
        _noted_by_staff,
        _registered_long_ago_for_an_event_to_come,
        _helped_by_the_faq,
        _a_ticket_still_open,
    ],
    ids=lambda activity: activity.__name__.strip("_").replace("_", " "),
)
async def test_something_of_theirs_inside_the_window_keeps_the_customer(
    db, activity: Callable[[AsyncSession, Customer], Awaitable[None]]
):
    dora = await _dora(db)
    async with db.unit_of_work() as session:
        customer = await customers.get(session, dora)
        assert customer is not None
        await activity(session, customer)

    await _erase_expired(db)

    held = await _what_is_held(db, dora)
    assert held["names"][0] == "Dora" and held["customer_products"] == 1
    assert held["consent history"] == ["accepted"]
