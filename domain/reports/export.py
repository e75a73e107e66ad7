"""A period's tickets as files: CSV (one row per ticket) and JSON (each ticket with its events).

Both are written as the tickets stream in from `storage.ticket_export`, so a year's export takes
no more memory than one chunk of tickets; `export_period` keeps both files in memory instead, for
a period sent over Telegram. Every column and field, and which of them are personal, is listed
in docs/reports.md ("Export"); personal ones are left out entirely unless the export was asked
`with_personal_data`. Times are ISO 8601 in UTC, dates `YYYY-MM-DD`; codes (`type`, `status`,
`kind`...) are the values Kefu stores.

CSV is UTF-8 with a byte-order mark, like the survey exports, so spreadsheet programs read
Chinese correctly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from domain.sla.localtime import local_instant
from storage.db import Database
from storage.enums import EventKind, TicketStatus
from storage.sla import BREACH
from storage.ticket_export import (
    ExportedEvent,
    ExportedSurvey,
    ExportedTicket,
    tickets_created_between,
)

FORMAT = 1  # of the JSON document; bumped when a field changes meaning or disappears


@dataclass(frozen=True, slots=True)
class EventSummary:
    """What a ticket's service record adds up to, for the CSV's one row per ticket."""

    events: int
    customer_messages: int
    staff_replies: int
    internal_notes: int
    attachments: int
    status_changes: int
    reopens: int
    sla_warnings: int
    sla_breaches: int
    first_staff_reply_at: datetime | None
    last_customer_message_at: datetime | None
    last_event_at: datetime | None


def summarise(events: tuple[ExportedEvent, ...]) -> EventSummary:
    def count(kind: EventKind) -> int:
        return sum(1 for event in events if event.kind == kind)

    def first_at(kind: EventKind) -> datetime | None:
        return next((event.at for event in events if event.kind == kind), None)

    customer_messages = [e.at for e in events if e.kind == EventKind.CUSTOMER_MESSAGE]
    alerts = [event.facts.get("level") for event in events if event.kind == EventKind.ALERT]
    return EventSummary(
        events=len(events),
        customer_messages=len(customer_messages),
        staff_replies=count(EventKind.STAFF_REPLY),
        internal_notes=count(EventKind.INTERNAL_NOTE),
        attachments=count(EventKind.ATTACHMENT),
        status_changes=count(EventKind.STATUS_CHANGED),
        reopens=sum(1 for event in events if _is_reopening(event)),
        sla_warnings=sum(1 for level in alerts if level != BREACH),
        sla_breaches=sum(1 for level in alerts if level == BREACH),
        first_staff_reply_at=first_at(EventKind.STAFF_REPLY),
        last_customer_message_at=customer_messages[-1] if customer_messages else None,
        last_event_at=events[-1].at if events else None,
    )


def _is_reopening(event: ExportedEvent) -> bool:
    was, now = event.facts.get("from"), event.facts.get("to")
    if event.kind != EventKind.STATUS_CHANGED or was is None or now is None:
        return False
    return not TicketStatus(was).is_active and TicketStatus(now).is_active


# --- CSV ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvColumn:
    name: str
    personal: bool
    value: Callable[[ExportedTicket, EventSummary], object]


def _column(name: str, value: Callable[[ExportedTicket, EventSummary], object]) -> CsvColumn:
    return CsvColumn(name, False, value)


def _personal(name: str, value: Callable[[ExportedTicket, EventSummary], object]) -> CsvColumn:
    return CsvColumn(name, True, value)


# The order of the file's columns. docs/reports.md documents each; keep the two in step.
CSV_COLUMNS: tuple[CsvColumn, ...] = (
    _column("ticket", lambda t, s: t.number),
    _column("type", lambda t, s: t.type),
    _column("status", lambda t, s: t.status),
    _column("priority", lambda t, s: t.priority),
    _column("product", lambda t, s: t.product_id),
    _column("warranty", lambda t, s: t.warranty),
    _column("purchase_date", lambda t, s: t.purchase_date),
    _column("delivery_date", lambda t, s: t.delivery_date),
    _column("customer_id", lambda t, s: t.customer.id),
    _column("customer_language", lambda t, s: t.customer.language),
    _column("created_at", lambda t, s: t.created_at),
    _column("first_response_at", lambda t, s: t.first_response_at),
    _column("resolved_at", lambda t, s: t.resolved_at),
    _column("closed_at", lambda t, s: t.closed_at),
    _column("reopened_at", lambda t, s: t.reopened_at),
    _column("sla_policy", lambda t, s: t.timers.policy),
    _column("first_response_deadline", lambda t, s: t.timers.first_response_deadline),
    _column("first_response_met", lambda t, s: t.timers.first_response_met),
    _column("first_response_seconds", lambda t, s: t.timers.first_response_seconds),
    _column("resolution_deadline", lambda t, s: t.timers.resolution_deadline),
    _column("resolution_met", lambda t, s: t.timers.resolution_met),
    _column("resolution_seconds", lambda t, s: t.timers.resolution_seconds),
    _column("first_response_due_at", lambda t, s: t.timers.first_response_due_at),
    _column("resolution_due_at", lambda t, s: t.timers.resolution_due_at),
    _column("resolution_paused_at", lambda t, s: t.timers.resolution_paused_at),
    _column("resolution_used_seconds", lambda t, s: t.timers.resolution_used_seconds),
    _column("events", lambda t, s: s.events),
    _column("customer_messages", lambda t, s: s.customer_messages),
    _column("staff_replies", lambda t, s: s.staff_replies),
    _column("internal_notes", lambda t, s: s.internal_notes),
    _column("attachments", lambda t, s: s.attachments),
    _column("status_changes", lambda t, s: s.status_changes),
    _column("reopens", lambda t, s: s.reopens),
    _column("sla_warnings", lambda t, s: s.sla_warnings),
    _column("sla_breaches", lambda t, s: s.sla_breaches),
    _column("first_staff_reply_at", lambda t, s: s.first_staff_reply_at),
    _column("last_customer_message_at", lambda t, s: s.last_customer_message_at),
    _column("last_event_at", lambda t, s: s.last_event_at),
    _column("survey_sent_at", lambda t, s: t.survey and t.survey.sent_at),
    _column("survey_score", lambda t, s: t.survey and t.survey.score),
    _column("survey_answered_at", lambda t, s: t.survey and t.survey.answered_at),
    _column("facts", lambda t, s: t.facts),
    _column("personal_data_erased_at", lambda t, s: t.personal_data_erased_at),
    _column("erased_by", lambda t, s: t.erased_by),
    _personal("customer_telegram_id", lambda t, s: t.customer.telegram_id),
    _personal("customer_first_name", lambda t, s: t.customer.first_name),
    _personal("customer_last_name", lambda t, s: t.customer.last_name),
    _personal("customer_username", lambda t, s: t.customer.username),
    _personal("customer_phone", lambda t, s: t.customer.phone),
    _personal("customer_email", lambda t, s: t.customer.email),
    _personal("assignee_telegram_id", lambda t, s: t.assignee_telegram_id),
    _personal("assignee_name", lambda t, s: t.assignee_name),
    _personal("order_number", lambda t, s: t.order_number),
    _personal("serial_number", lambda t, s: t.serial_number),
    _personal("description", lambda t, s: t.description),
    _personal("details", lambda t, s: t.details),
    _personal("survey_comment", lambda t, s: t.survey and t.survey.comment),
)


def csv_columns(*, with_personal_data: bool) -> tuple[CsvColumn, ...]:
    return tuple(c for c in CSV_COLUMNS if with_personal_data or not c.personal)


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return _iso(value)
    if isinstance(value, dict):
        return _json_text(value) if value else ""
    return value


class CsvTickets:
    """One CSV row per ticket, written to `out` (bytes) as tickets are added."""

    def __init__(self, out: BinaryIO, *, with_personal_data: bool) -> None:
        self._columns = csv_columns(with_personal_data=with_personal_data)
        # newline="": the csv module writes its own \r\n line ends.
        self._text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
        self._writer = csv.writer(self._text)
        self._writer.writerow(column.name for column in self._columns)
        self.count = 0

    def add(self, ticket: ExportedTicket) -> None:
        summary = summarise(ticket.events)
        self._writer.writerow(_cell(column.value(ticket, summary)) for column in self._columns)
        self.count += 1

    def finish(self) -> None:
        self._text.flush()
        self._text.detach()  # `out` stays open: it is the caller's


# --- JSON -----------------------------------------------------------------------------------


class JsonTickets:
    """`{"format", "since", "until", "with_personal_data", "tickets": [...], "count"}`, written
    to `out` (UTF-8 bytes) one ticket per line as tickets are added, never all at once."""

    def __init__(
        self, out: BinaryIO, *, since: datetime, until: datetime, with_personal_data: bool
    ) -> None:
        self._out, self._personal = out, with_personal_data
        head = {
            "format": FORMAT,
            "since": since,
            "until": until,
            "with_personal_data": with_personal_data,
        }
        fields = "".join(
            f"{_json_text(key)}: {_json_text(value)}, " for key, value in head.items()
        )
        self._out.write(f'{{{fields}"tickets": ['.encode())
        self.count = 0

    def add(self, ticket: ExportedTicket) -> None:
        self._out.write(b"\n" if self.count == 0 else b",\n")
        self._out.write(_json_text(ticket_document(ticket, self._personal)).encode())
        self.count += 1

    def finish(self) -> None:
        self._out.write(f'\n], "count": {self.count}}}\n'.encode())
        self._out.flush()


def ticket_document(ticket: ExportedTicket, with_personal_data: bool) -> dict[str, Any]:
    """One element of the JSON document's `tickets`."""
    customer: dict[str, Any] = {"id": ticket.customer.id, "language": ticket.customer.language}
    document: dict[str, Any] = {
        "number": ticket.number,
        "type": ticket.type,
        "status": ticket.status,
        "priority": ticket.priority,
        "product": ticket.product_id,
        "warranty": ticket.warranty,
        "purchase_date": ticket.purchase_date,
        "delivery_date": ticket.delivery_date,
        "customer": customer,
        "created_at": ticket.created_at,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "reopened_at": ticket.reopened_at,
        "personal_data_erased_at": ticket.personal_data_erased_at,
        "erased_by": ticket.erased_by,
        "facts": ticket.facts,
        "timers": _timers(ticket),
        "survey": _survey_document(ticket.survey, with_personal_data),
        "events": [_event_document(event, with_personal_data) for event in ticket.events],
    }
    if with_personal_data:
        person = ticket.customer
        customer |= {
            "telegram_id": person.telegram_id,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "username": person.username,
            "phone": person.phone,
            "email": person.email,
        }
        document |= {
            "description": ticket.description,
            "order_number": ticket.order_number,
            "serial_number": ticket.serial_number,
            "details": ticket.details,
            "assignee": {"telegram_id": ticket.assignee_telegram_id, "name": ticket.assignee_name},
        }
    return document


def _timers(ticket: ExportedTicket) -> dict[str, Any]:
    timers = ticket.timers
    return {
        "policy": timers.policy,
        "first_response": {
            "deadline": timers.first_response_deadline,
            "met": timers.first_response_met,
            "business_seconds": timers.first_response_seconds,
            "due_at": timers.first_response_due_at,
        },
        "resolution": {
            "deadline": timers.resolution_deadline,
            "met": timers.resolution_met,
            "business_seconds": timers.resolution_seconds,
            "due_at": timers.resolution_due_at,
            "started_at": timers.resolution_started_at,
            "paused_at": timers.resolution_paused_at,
            "used_seconds": timers.resolution_used_seconds,
        },
    }


def _survey_document(
    survey: ExportedSurvey | None, with_personal_data: bool
) -> dict[str, Any] | None:
    if survey is None:
        return None
    document = {
        "sent_at": survey.sent_at,
        "score": survey.score,
        "answered_at": survey.answered_at,
    }
    if with_personal_data:
        document["comment"] = survey.comment
    return document


def _event_document(event: ExportedEvent, with_personal_data: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "kind": event.kind,
        "at": event.at,
        "actor": event.actor_kind,
        "facts": event.facts,
    }
    if with_personal_data:
        document |= {
            "actor_telegram_id": event.actor_telegram_id,
            "actor_name": event.actor_name,
            "text": event.text,
            "data": event.data,
        }
    return document


# --- writing whole files --------------------------------------------------------------------


async def write_csv(
    rows: AsyncIterator[ExportedTicket], out: BinaryIO, *, with_personal_data: bool = False
) -> int:
    """Write the CSV file to `out` as `rows` come; the number of tickets written."""
    writer = CsvTickets(out, with_personal_data=with_personal_data)
    try:
        async for ticket in rows:
            writer.add(ticket)
    finally:
        writer.finish()
    return writer.count


async def write_json(
    rows: AsyncIterator[ExportedTicket],
    out: BinaryIO,
    *,
    since: datetime,
    until: datetime,
    with_personal_data: bool = False,
) -> int:
    """Write the JSON document to `out` as `rows` come; the number of tickets written.

    Stopped by an error, the document is left unfinished (not valid JSON) on purpose: a
    truncated export must not pass for a whole one.
    """
    writer = JsonTickets(out, since=since, until=until, with_personal_data=with_personal_data)
    async for ticket in rows:
        writer.add(ticket)
    writer.finish()
    return writer.count


def days_in_utc(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[since, until) in UTC for the local days `first_day` to `last_day`, both included."""
    return local_instant(first_day, 0, zone), local_instant(last_day + timedelta(days=1), 0, zone)


@dataclass(frozen=True, slots=True)
class ExportDocuments:
    csv: bytes
    json: bytes
    tickets: int


async def export_period(
    db: Database, since: datetime, until: datetime, *, with_personal_data: bool = False
) -> ExportDocuments:
    """Both files of the tickets created in [since, until), in memory, from one read.

    For a period sent over Telegram (documents up to 50 MB); a longer export belongs to
    `python -m bot export`, which streams to a file.
    """
    csv_out, json_out = io.BytesIO(), io.BytesIO()
    as_csv = CsvTickets(csv_out, with_personal_data=with_personal_data)
    as_json = JsonTickets(
        json_out, since=since, until=until, with_personal_data=with_personal_data
    )
    async with db.read_only() as session:
        rows = tickets_created_between(
            session, since, until, with_personal_data=with_personal_data
        )
        async for ticket in rows:
            as_csv.add(ticket)
            as_json.add(ticket)
    as_csv.finish()
    as_json.finish()
    return ExportDocuments(csv_out.getvalue(), json_out.getvalue(), as_json.count)


def _iso(moment: datetime | date) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    return moment.isoformat()


def _json_default(value: object) -> object:
    if isinstance(value, datetime | date):
        return _iso(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)
