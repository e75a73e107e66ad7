"""Exporting a period's tickets: streamed from SQLite and PostgreSQL, written as CSV and JSON,
with personal data only when asked for."""

from __future__ import annotations

import csv
import io
import json
from contextlib import aclosing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain.reports.export import export_period, write_csv, write_json
from storage import customers, erasure, events, surveys, tickets
from storage.db import Database
from storage.enums import EventKind, Language, TicketStatus, TicketType
from storage.events import Actor
from storage.ticket_export import ExportedTicket, tickets_created_between
from tests.storage.conftest import NOW

# The period the tests export: the local day 2026-03-02 in Shanghai (UTC+8).
SINCE = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)
UNTIL = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
STAFF = Actor.staff(501, "Mei Staffmember")

# Distinctive values, so a search of the output cannot find them by accident.
PERSONAL = {
    "name": "Marigold",
    "phone": "+86 138 0013 8000",
    "email": "marigold@example.org",
    "description": "the kettle whistles at midnight",
    "serial": "SN-ZX81-4471",
    "message": "I live at 17 Plum Lane",
    "reply": "a courier comes on Tuesday",
    "comment": "quick and kind",
    "staff": "Mei Staffmember",
    "address": "17 Plum Lane, Xuhui",
}
TELEGRAM_ID = 777123456
# Words from the service record: the JSON's events carry them, the CSV sums events up instead.
IN_EVENTS_ONLY = {PERSONAL["message"], PERSONAL["reply"]}


@dataclass(frozen=True)
class Seeded:
    inside: list[str]  # ticket numbers created in [SINCE, UNTIL), oldest first
    outside: list[str]
    customer_id: int


async def seed_period(db: Database) -> Seeded:
    """Four tickets around the period: the answered one, an erased one, and one on each side."""
    async with db.unit_of_work() as session:
        marigold = await customers.get_or_create_by_telegram(session, TELEGRAM_ID, now=NOW)
        await customers.record_consent(
            session, marigold, now=NOW, first_name=PERSONAL["name"], username="marigold_w"
        )
        await customers.set_contact(
            session, marigold, now=NOW, phone=PERSONAL["phone"], email=PERSONAL["email"]
        )
        bob = await customers.get_or_create_by_telegram(
            session, 777000002, now=NOW, language=Language.ZH_HANS
        )
        before = await tickets.create(
            session, marigold, TicketType.CONSULTATION, now=SINCE - timedelta(seconds=1)
        )
        answered = await tickets.create(
            session, marigold, TicketType.REPAIR, now=SINCE, description=PERSONAL["description"],
            serial_number=PERSONAL["serial"],
            details={"visit": True, "address": PERSONAL["address"]},
        )  # fmt: skip
        await events.append(
            session, answered, EventKind.CUSTOMER_MESSAGE, Actor.customer(marigold),
            now=NOW, text=PERSONAL["message"], data={"message_id": 42},
        )  # fmt: skip
        await events.append(
            session, answered, EventKind.STAFF_REPLY, STAFF, now=NOW + timedelta(minutes=5),
            text=PERSONAL["reply"], data={"delivered": True},
        )  # fmt: skip
        await tickets.stamp_first_response(session, answered, now=NOW + timedelta(minutes=5))
        await tickets.assign(
            session, answered, assignee_telegram_id=501, assignee_name=STAFF.name, actor=STAFF,
            now=NOW + timedelta(minutes=6),
        )  # fmt: skip
        await events.append(
            session, answered, EventKind.ALERT, Actor.system(), now=NOW + timedelta(minutes=7),
            text="resolution overdue", data={"timer": "resolution", "level": "breach"},
        )  # fmt: skip
        await tickets.set_status(
            session, answered, TicketStatus.RESOLVED, actor=STAFF, now=NOW + timedelta(minutes=30)
        )
        erased = await tickets.create(
            session, marigold, TicketType.RETURN, now=NOW + timedelta(hours=1),
            description=f"erased: {PERSONAL['description']}",
        )  # fmt: skip
        last_minute = await tickets.create(
            session, bob, TicketType.COMPLAINT, now=UNTIL - timedelta(seconds=1)
        )
        after = await tickets.create(session, bob, TicketType.COMPLAINT, now=UNTIL)
        await erasure.anonymise_ticket(session, erased, now=NOW + timedelta(hours=2))
        numbers = [t.number for t in (before, answered, erased, last_minute, after)]
    await _answer_survey(db, score=5, comment=PERSONAL["comment"])
    return Seeded(inside=numbers[1:4], outside=[numbers[0], numbers[4]], customer_id=marigold.id)


async def _answer_survey(db: Database, *, score: int, comment: str) -> None:
    later = NOW + timedelta(hours=3)
    async with db.unit_of_work() as session:
        (survey_id,) = await surveys.claim_due(
            session, now=later, delay=timedelta(minutes=10), expiry=timedelta(hours=72),
            lease=timedelta(seconds=30), limit=10,
        )  # fmt: skip
        await surveys.mark_sent(session, survey_id, message_id=9, now=later)
        found = await surveys.with_ticket(session, survey_id)
        assert found is not None
        survey, ticket = found
        actor = Actor.customer(ticket.customer)
        await surveys.record_score(session, survey, ticket, score, actor=actor, now=later)
        await surveys.record_comment(session, survey, ticket, comment, actor=actor, now=later)


async def _exported(db: Database, *, personal: bool, chunk_size: int = 500):
    async with db.read_only() as session:
        rows = tickets_created_between(
            session, SINCE, UNTIL, with_personal_data=personal, chunk_size=chunk_size
        )
        return [ticket async for ticket in rows]


async def _csv(db: Database, *, personal: bool) -> bytes:
    out = io.BytesIO()
    async with db.read_only() as session:
        rows = tickets_created_between(session, SINCE, UNTIL, with_personal_data=personal)
        await write_csv(rows, out, with_personal_data=personal)
    return out.getvalue()


async def _json(db: Database, *, personal: bool) -> bytes:
    out = io.BytesIO()
    async with db.read_only() as session:
        rows = tickets_created_between(session, SINCE, UNTIL, with_personal_data=personal)
        await write_json(rows, out, since=SINCE, until=UNTIL, with_personal_data=personal)
    return out.getvalue()


def _rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith("\ufeff".encode())  # spreadsheets read Chinese right with it
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


async def test_only_tickets_created_in_the_period_are_exported(db):
    seeded = await seed_period(db)

    exported = await _exported(db, personal=False)

    assert [t.number for t in exported] == seeded.inside


async def test_the_rows_hold_nothing_personal_without_the_flag(db):
    await seed_period(db)

    everything = repr(await _exported(db, personal=False))

    assert [value for value in PERSONAL.values() if value in everything] == []
    assert str(TELEGRAM_ID) not in everything and "marigold_w" not in everything


async def test_the_csv_has_one_row_per_ticket_with_its_record_summed_up(db):
    seeded = await seed_period(db)

    rows = _rows(await _csv(db, personal=False))

    assert [row["ticket"] for row in rows] == seeded.inside
    answered = rows[0]
    assert answered["customer_id"] == str(seeded.customer_id)
    assert (answered["type"], answered["status"]) == ("repair", "resolved")
    assert answered["created_at"] == "2026-03-01T16:00:00+00:00"
    assert answered["first_response_at"] == "2026-03-02T01:35:00+00:00"
    assert answered["resolved_at"] == "2026-03-02T02:00:00+00:00"
    counts = ("customer_messages", "staff_replies", "status_changes", "sla_breaches", "events")
    # created, message, reply, assigned, alert, resolved, then the survey's score and comment
    assert [answered[name] for name in counts] == ["1", "1", "1", "1", "8"]
    assert (answered["survey_score"], answered["facts"]) == ("5", '{"visit": true}')
    assert rows[1]["personal_data_erased_at"] == "2026-03-02T03:30:00+00:00"


async def test_the_json_document_lists_each_ticket_with_its_events(db):
    seeded = await seed_period(db)

    document = json.loads(await _json(db, personal=False))

    assert (document["since"], document["until"]) == (
        "2026-03-01T16:00:00+00:00",
        "2026-03-02T16:00:00+00:00",
    )
    assert [t["number"] for t in document["tickets"]] == seeded.inside
    assert document["count"] == 3
    answered = document["tickets"][0]
    assert [e["kind"] for e in answered["events"]] == [
        "created", "customer_message", "staff_reply", "assigned", "alert", "status_changed",
        "survey", "survey",
    ]  # fmt: skip
    assert answered["events"][5]["facts"] == {"from": "open", "to": "resolved"}
    assert answered["events"][3]["facts"] == {}  # who was assigned is personal
    assert answered["survey"]["score"] == 5
    assert set(answered["timers"]) == {"policy", "first_response", "resolution"}
    assert answered["customer"] == {"id": seeded.customer_id, "language": "en"}


@pytest.mark.parametrize(
    ("render", "expected"),
    [(_csv, set(PERSONAL.values()) - IN_EVENTS_ONLY), (_json, set(PERSONAL.values()))],
    ids=["csv", "json"],
)
async def test_personal_data_is_left_out_unless_asked_for(db, render, expected):
    await seed_period(db)

    without = (await render(db, personal=False)).decode("utf-8-sig")
    with_it = (await render(db, personal=True)).decode("utf-8-sig")

    assert [value for value in PERSONAL.values() if value in without] == []
    assert str(TELEGRAM_ID) not in without and "marigold_w" not in without
    assert {value for value in PERSONAL.values() if value in with_it} == expected
    assert str(TELEGRAM_ID) in with_it and "marigold_w" in with_it


async def test_the_writers_leave_personal_fields_out_unless_asked_for(db):
    """A second lock: rows read with personal data still lose it in a file not meant for it."""
    await seed_period(db)
    rows = await _exported(db, personal=True)

    async def stream():
        for row in rows:
            yield row

    as_csv, as_json = io.BytesIO(), io.BytesIO()
    await write_csv(stream(), as_csv)
    await write_json(stream(), as_json, since=SINCE, until=UNTIL)

    written = (as_csv.getvalue() + as_json.getvalue()).decode("utf-8-sig")
    assert [value for value in PERSONAL.values() if value in written] == []
    assert "customer_first_name" not in written and '"text"' not in written


async def test_an_erased_ticket_has_nothing_personal_even_when_asked(db):
    seeded = await seed_period(db)

    exported = {t.number: t for t in await _exported(db, personal=True)}

    erased = exported[seeded.inside[1]]
    assert erased.personal_data_erased_at is not None
    assert erased.description is None and erased.customer.first_name is None
    assert exported[seeded.inside[0]].customer.first_name == PERSONAL["name"]


async def test_small_chunks_give_the_same_export(db):
    """Each cursor chunk reads its own events; one ticket per chunk changes nothing."""
    await seed_period(db)

    whole: list[ExportedTicket] = await _exported(db, personal=True)
    chunked = await _exported(db, personal=True, chunk_size=1)

    assert chunked == whole
    assert [len(t.events) for t in chunked] == [8, 1, 1]


async def test_stopping_early_releases_the_cursor(db):
    await seed_period(db)

    async with db.read_only() as session:
        rows = tickets_created_between(session, SINCE, UNTIL, chunk_size=1)
        async with aclosing(rows):
            first = await anext(rows)
        assert first.events  # and the session is still usable:
        assert len([t async for t in tickets_created_between(session, SINCE, UNTIL)]) == 3


async def test_both_files_for_telegram_come_from_one_read(db):
    seeded = await seed_period(db)

    documents = await export_period(db, SINCE, UNTIL)

    assert documents.tickets == 3
    assert [row["ticket"] for row in _rows(documents.csv)] == seeded.inside
    assert json.loads(documents.json)["count"] == 3
    assert PERSONAL["name"] not in (documents.csv + documents.json).decode("utf-8-sig")
