"""`/mydata`: everything Kefu holds about a customer, as one JSON document for them.

What goes in and what is left out, field by field, is documented in docs/privacy.md; the two
sets below are where that decision lives in code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from bot.i18n import Translator
from bot.services import Kefu
from domain.profiles import export as profile_export
from domain.surveys.questions import (
    VISIT_ANSWERS,
    localized,
    options,
    visit_answer_label,
    visit_question,
)
from storage import care_events, export
from storage.enums import EventKind
from storage.models import Customer, Ticket, TicketEvent
from storage.survey_models import CampaignKind

FORMAT = 1  # bumped when a field changes meaning or disappears; new fields keep it

# What the customer saw happen on their tickets. Left out: internal notes (staff writing to
# colleagues) and the desk's machinery: forum topics, assignment, priority, SLA alerts. Survey
# events are left out of the history because `survey_answers` holds them.
CUSTOMER_VISIBLE_EVENTS = frozenset(
    {
        EventKind.CREATED,
        EventKind.CUSTOMER_MESSAGE,
        EventKind.STAFF_REPLY,
        EventKind.STATUS_CHANGED,
        EventKind.DETAILS_CHANGED,
        EventKind.ATTACHMENT,
    }
)

# Ticket details that are about a staff member, not the customer.
STAFF_DETAILS = frozenset({"decided_by"})

LEFT_OUT = (
    "internal_staff_notes",
    "staff_names",
    "assignment_and_priority",
    "sla_alerts",
    "staff_topics",
    "resolution_comments",
    "telegram_file_ids",
)


@dataclass(frozen=True, slots=True)
class MyData:
    filename: str
    content: bytes  # UTF-8 JSON


async def export_for(kefu: Kefu, customer_id: int, t: Translator) -> MyData | None:
    """The customer's export, with its explanations in `t`'s language; None if Kefu holds
    no customer with this id."""
    async with kefu.db.read_only() as session:
        found = await export.everything_about(
            session, customer_id, event_kinds=CUSTOMER_VISIBLE_EVENTS
        )
        registrations = await care_events.registrations_of(session, customer_id)
        kept = await profile_export.kept_about(session, customer_id)
    if found is None:
        return None
    now = kefu.clock.now()
    registered = _registrations(registrations, t.language)
    exported = document(found, t, now) | {"event_registrations": registered} | kept
    content = json.dumps(exported, ensure_ascii=False, indent=2) + "\n"
    return MyData(f"kefu-mydata-{now.astimezone(UTC).date().isoformat()}.json", content.encode())


def document(found: export.Everything, t: Translator, now: datetime) -> dict[str, Any]:
    customer = found.customer
    return {
        "format": FORMAT,
        "generated_at": _time(now),
        "profile": _profile(customer),
        "consent_history": [
            {"kind": step.kind, "at": _time(step.created_at)} for step in found.consent_history
        ],
        "tickets": [_ticket(ticket, found.events.get(ticket.id, [])) for ticket in found.tickets],
        "survey_answers": [
            {
                "ticket": answer.ticket_number,
                "score": answer.score,
                "comment": answer.comment,
                "answered_at": _time(answer.answered_at),
            }
            for answer in found.survey_answers
        ],
        "campaign_answers": [
            _campaign_answer(answer, answer.language or customer.language.value, t)
            for answer in found.campaign_answers
        ],
        "attachments": [
            {
                "ticket": file.ticket_number,
                "kind": file.kind.value,
                "file_name": file.file_name,
                "mime_type": file.mime_type,
                "size": file.size,
                "sent_at": _time(file.created_at),
            }
            for file in found.files
        ],
        "left_out": {
            "statement": t.t(
                "Not included: our team's internal notes about your tickets, the names of our "
                "staff, and how we organise our work (assignments, priorities, service-level "
                "alerts)."
            ),
            "items": list(LEFT_OUT),
        },
    }


def _profile(customer: Customer) -> dict[str, Any]:
    return {
        "telegram_id": customer.telegram_id,
        "language": customer.language.value,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "username": customer.username,
        "phone": customer.phone,
        "email": customer.email,
        "display_name": customer.display_name,
        "address": customer.address,
        "profile_confirmed_at": _time(customer.profile_confirmed_at),
        "created_at": _time(customer.created_at),
        "consent_at": _time(customer.consent_at),
        "declined_privacy_at": _time(customer.declined_privacy_at),
        "campaigns_opt_out_at": _time(customer.campaigns_opt_out_at),
        "unreachable_at": _time(customer.unreachable_at),
    }


def _ticket(ticket: Ticket, history: list[TicketEvent]) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "type": ticket.type.value,
        "status": ticket.status.value,
        "product_id": ticket.product_id,
        "order_number": ticket.order_number,
        "serial_number": ticket.serial_number,
        "purchase_date": _date(ticket.purchase_date),
        "delivery_date": _date(ticket.delivery_date),
        "warranty": ticket.warranty.value,
        "description": ticket.description,
        "details": _customer_details(ticket.details),
        "created_at": _time(ticket.created_at),
        "first_response_at": _time(ticket.first_response_at),
        "resolved_at": _time(ticket.resolved_at),
        "closed_at": _time(ticket.closed_at),
        "reopened_at": _time(ticket.reopened_at),
        "personal_data_erased_at": _time(ticket.personal_data_erased_at),
        # An emergency's record: when it was raised, and what staff found and will change.
        "emergency_at": _time(ticket.emergency_at),
        "emergency_cause": ticket.emergency_cause,
        "emergency_prevention": ticket.emergency_prevention,
        "history": [_event(event) for event in history],
    }


def _event(event: TicketEvent) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "at": _time(event.created_at),
        "kind": event.kind.value,
        "by": event.actor_kind.value,
    }
    match event.kind:
        case EventKind.CREATED | EventKind.CUSTOMER_MESSAGE:
            entry["text"] = event.text
        case EventKind.STAFF_REPLY:
            entry["text"] = event.text
            entry["delivered"] = bool(event.data.get("delivered", True))
        case EventKind.STATUS_CHANGED:
            # The text of a status change is a resolution comment for colleagues.
            entry["from"], entry["to"] = event.data.get("from"), event.data.get("to")
        case EventKind.DETAILS_CHANGED:
            entry["changes"] = _customer_details(event.data.get("changes") or {})
        case EventKind.ATTACHMENT:
            entry["file_kind"] = event.data.get("kind")
    return entry


def _campaign_answer(
    answer: export.CampaignAnswer, language: str, t: Translator
) -> dict[str, Any]:
    """A campaign's question in `language`, the one it was sent in; a follow-up visit's,
    worded by Kefu rather than an admin, in the export's (`t`)."""
    question = localized(answer.texts, language).get("question")
    chosen = None
    if answer.kind == CampaignKind.CHOICE and answer.answer is not None:
        choices = options(answer.texts, language)
        chosen = choices[answer.answer] if 0 <= answer.answer < len(choices) else None
    elif answer.kind == CampaignKind.FOLLOWUP:
        # A visit's question and answer are worded from its ticket, as it was sent.
        question = visit_question(t, answer.ticket_number or "-", None)
        if answer.answer in VISIT_ANSWERS:
            chosen = visit_answer_label(t, answer.answer)
    return {
        "campaign_id": answer.campaign_id,
        "kind": answer.kind.value,
        "question": question,
        "answer": answer.answer,
        "answer_text": chosen,
        "comment": answer.comment,
        "answered_at": _time(answer.answered_at),
    }


def _registrations(rows: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """The care and training events they registered for (`storage.care_events`), titled in
    their language (else English)."""
    return [
        {
            "event_id": row["event_id"],
            "title": row["title"].get(language) or row["title"].get("en"),
            "starts_at": _time(row["starts_at"]),
            "registered_at": _time(row["registered_at"]),
            "cancelled_at": _time(row["cancelled_at"]),
            "attended_at": _time(row["attended_at"]),
        }
        for row in rows
    ]


def _customer_details(details: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in details.items() if key not in STAFF_DETAILS}


def _time(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _date(day: date | None) -> str | None:
    return day.isoformat() if day else None
