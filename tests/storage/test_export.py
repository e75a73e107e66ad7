"""What `/mydata` reads: one customer's rows, only the ticket events asked for."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.i18n import Catalogs
from domain.privacy.export import CUSTOMER_VISIBLE_EVENTS, document
from storage import attachments, campaigns, consent, customers, events, export, tickets
from storage.db import Database
from storage.enums import ActorKind, AttachmentKind, EventKind, Language, TicketType
from storage.events import Actor
from storage.models import Customer
from storage.survey_models import (
    AudienceKind,
    CampaignKind,
    CampaignRecipient,
    Repeat,
    TicketSurvey,
)
from tests.storage.conftest import NOW

STAFF = Actor.staff(501, "Mei")
CHOICE_TEXTS = {
    "en": {"question": "Which channel do you prefer?", "options": ["Telegram", "Phone"]},
    "zh_Hans": {"question": "您更喜欢哪个渠道？", "options": ["Telegram", "电话"]},
}


@pytest.fixture
async def bob(db: Database) -> Customer:
    async with db.unit_of_work() as session:
        customer = await customers.get_or_create_by_telegram(
            session, 1002, now=NOW, language=Language.ZH_HANS
        )
        await customers.record_consent(session, customer, now=NOW, first_name="Bob")
    return customer


async def _ticket_with_a_record(db: Database, customer: Customer, words: str) -> int:
    """A ticket whose record has every kind of event, a file from each side and a survey."""
    later = NOW + timedelta(minutes=5)
    async with db.unit_of_work() as session:
        ticket = await tickets.create(
            session, customer, TicketType.RETURN, now=NOW, description=f"{words}: wrong colour"
        )
        said = await events.append(
            session,
            ticket,
            EventKind.CUSTOMER_MESSAGE,
            Actor.customer(customer),
            now=later,
            text=f"{words}: photo attached",
        )
        await attachments.add(
            session, ticket, AttachmentKind.PHOTO, telegram_file_id=f"{words}-photo",
            telegram_file_unique_id=f"{words}-u1", actor=Actor.customer(customer), now=later,
            event=said, file_name=f"{words}.jpg", mime_type="image/jpeg", size=1234,
        )  # fmt: skip
        replied = await events.append(
            session, ticket, EventKind.STAFF_REPLY, STAFF, now=later, text=f"{words}: label",
            data={"delivered": True},
        )  # fmt: skip
        await attachments.add(
            session, ticket, AttachmentKind.DOCUMENT, telegram_file_id=f"{words}-label",
            telegram_file_unique_id=f"{words}-u2", actor=STAFF, now=later, event=replied,
            file_name="return-label.pdf",
        )  # fmt: skip
        await events.append(
            session, ticket, EventKind.INTERNAL_NOTE, STAFF, now=later, text=f"{words}: note"
        )
        await tickets.assign(
            session, ticket, assignee_telegram_id=501, assignee_name="Mei", actor=STAFF, now=later
        )
        await tickets.update_details(
            session,
            ticket,
            {"decision": "approved", "decided_by": "Mei", "decision_note": "Keep the box"},
            actor=STAFF,
            now=later,
        )
        session.add(
            TicketSurvey(
                ticket_id=ticket.id, customer_id=customer.id, created_at=later,
                expires_at=later + timedelta(days=3), score=4, comment=f"{words}: quick",
                answered_at=later,
            )
        )  # fmt: skip
        await consent.record(session, customer.id, consent.Kind.ACCEPTED, now=NOW)
        return ticket.id


async def _answered_campaign(db: Database, answers: dict[int, tuple[int, str]]) -> int:
    async with db.unit_of_work() as session:
        campaign = await campaigns.create(
            session, kind=CampaignKind.CHOICE, texts=CHOICE_TEXTS,
            audience=campaigns.Audience(AudienceKind.ALL), repeat=Repeat.NONE, first_run_at=NOW,
            created_by=3001, now=NOW,
        )  # fmt: skip
        run = await campaigns.start_run(session, campaign, now=NOW, next_run_at=None)
        rows = await session.scalars(
            select(CampaignRecipient).where(CampaignRecipient.run_id == run.id)
        )
        for row in rows:
            if row.customer_id in answers:
                value, comment = answers[row.customer_id]
                await campaigns.record_answer(session, row, value, now=NOW)
                await campaigns.record_comment(session, row, comment)
        return campaign.id


async def _everything(db: Database, customer: Customer, kinds=CUSTOMER_VISIBLE_EVENTS):
    async with db.read_only() as session:
        found = await export.everything_about(session, customer.id, event_kinds=kinds)
    assert found is not None
    return found


async def test_only_the_customers_own_rows_are_read(db, alice, bob):
    mine = await _ticket_with_a_record(db, alice, "Alice")
    await _ticket_with_a_record(db, bob, "Bob")
    campaign_id = await _answered_campaign(db, {alice.id: (1, "Alice: calls"), bob.id: (0, "x")})

    found = await _everything(db, alice)

    assert found.customer.telegram_id == 1001
    assert [t.id for t in found.tickets] == [mine] and list(found.events) == [mine]
    assert [(s.ticket_number, s.score, s.comment) for s in found.survey_answers] == [
        ("K-000001", 4, "Alice: quick")
    ]
    assert [(a.campaign_id, a.answer, a.comment) for a in found.campaign_answers] == [
        (campaign_id, 1, "Alice: calls")
    ]
    assert [step.kind for step in found.consent_history] == ["accepted"]
    texts = [e.text or "" for e in found.events[mine]] + [f.file_name or "" for f in found.files]
    assert not [text for text in texts if text.startswith("Bob")]


async def test_only_the_event_kinds_asked_for_are_read(db, alice):
    ticket_id = await _ticket_with_a_record(db, alice, "Alice")

    found = await _everything(db, alice)

    kinds = [e.kind for e in found.events[ticket_id]]
    assert kinds == [
        EventKind.CREATED,
        EventKind.CUSTOMER_MESSAGE,
        EventKind.STAFF_REPLY,
        EventKind.DETAILS_CHANGED,
    ]
    everything = await _everything(db, alice, kinds=list(EventKind))
    assert EventKind.INTERNAL_NOTE in [e.kind for e in everything.events[ticket_id]]


async def test_the_files_are_the_customers_not_the_staffs(db, alice):
    await _ticket_with_a_record(db, alice, "Alice")

    found = await _everything(db, alice)

    assert [(f.ticket_number, f.kind, f.file_name, f.size) for f in found.files] == [
        ("K-000001", AttachmentKind.PHOTO, "Alice.jpg", 1234)
    ]


async def test_the_document_names_no_staff_member_and_answers_in_the_customers_words(db, bob):
    await _ticket_with_a_record(db, bob, "Bob")
    await _answered_campaign(db, {bob.id: (1, "打电话更方便")})
    found = await _everything(db, bob)

    exported = document(found, Catalogs().for_language("zh_Hans"), NOW)

    (ticket,) = exported["tickets"]
    assert ticket["details"] == {"decision": "approved", "decision_note": "Keep the box"}
    assert {entry["by"] for entry in ticket["history"]} == {ActorKind.CUSTOMER, ActorKind.STAFF}
    assert "Mei" not in str(exported)
    (answer,) = exported["campaign_answers"]
    assert (answer["question"], answer["answer_text"]) == ("您更喜欢哪个渠道？", "电话")
    assert exported["generated_at"] == "2026-03-02T01:30:00+00:00"


async def test_an_unknown_customer_has_no_export(db):
    async with db.read_only() as session:
        assert await export.everything_about(session, 999, event_kinds=[]) is None
