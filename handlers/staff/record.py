"""/ticket K-000123: a ticket's full service record, every event with its time and author.

Long records are split between messages under Telegram's 4096-character limit, event by event,
so no message cuts an entry (or an HTML tag) in half.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup
from telegram import Update
from telegram.constants import ParseMode

from bot.context import KefuContext
from bot.i18n import Translator
from domain.desk import card as desk_card
from domain.desk import wording
from handlers.staff.commands import command_text
from handlers.staff.gate import staff_words, topic_ticket_id
from storage import attachments, events, tickets
from storage.enums import ActorKind, EventKind, Priority, TicketStatus
from storage.models import Ticket, TicketEvent

MESSAGE_LIMIT = 4000  # Telegram allows 4096 characters; tags count here, so this is safe
ENTRY_TEXT_LIMIT = 1500


async def show_record(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None
    t = staff_words(context)
    typed = command_text(message)
    number = tickets.parse_number(typed) if typed else None
    ticket_id = None if typed else await topic_ticket_id(update, context, quiet=True)
    if number is None and ticket_id is None:
        await message.reply_text(t.t("Usage: /ticket K-000123"))
        return
    async with context.kefu.db.read_only() as session:
        if number is not None:
            ticket = await tickets.get_by_number(session, number)
        else:
            ticket = await tickets.get(session, ticket_id)  # type: ignore[arg-type]
        if ticket is not None:
            record = await events.history(session, ticket.id)
            files = await attachments.for_ticket(session, ticket.id)
    if ticket is None:
        await message.reply_text(t.t("There is no ticket {number}.", number=number))
        return
    file_counts: dict[int | None, int] = {}
    for file in files:
        file_counts[file.event_id] = file_counts.get(file.event_id, 0) + 1
    entries = [
        Markup(_entry(context, t, ticket, event, file_counts.get(event.id, 0))) for event in record
    ]
    for part in split_record(t, context, ticket, entries):
        await message.reply_text(part, parse_mode=ParseMode.HTML)


def split_record(
    t: Translator, context: KefuContext, ticket: Ticket, entries: Sequence[Markup]
) -> list[str]:
    """The record in as few messages as fit, each with a heading, no entry split."""

    def render(part: Sequence[Markup], first: bool) -> str:
        return t.render(
            "service_record.html.j2",
            ticket=ticket,
            first=first,
            entries=part,
            type=wording.type_name(t, ticket.type),
            status=wording.status_name(t, ticket.status),
            priority=wording.priority_name(t, ticket.priority),
            customer=desk_card.customer_name(t, ticket.customer),
            tz=context.kefu.timezone,
        )

    parts: list[str] = []
    current: list[Markup] = []
    for entry in entries:
        if current and len(render([*current, entry], not parts)) > MESSAGE_LIMIT:
            parts.append(render(current, not parts))
            current = []
        current.append(entry)
    parts.append(render(current, not parts))
    return parts


def _entry(
    context: KefuContext, t: Translator, ticket: Ticket, event: TicketEvent, file_count: int
) -> str:
    text = event.text or ""
    if len(text) > ENTRY_TEXT_LIMIT:
        text = text[:ENTRY_TEXT_LIMIT] + "…"
    if event.kind == EventKind.DETAILS_CHANGED:
        rows = desk_card.detail_rows(t, event.data.get("changes", {}))
        text = "\n".join(f"{label}: {value}" for label, value in rows)
    return t.render(
        "staff_record_entry.html.j2",
        time=t.format_time(event.created_at, context.kefu.timezone),
        who=_author(t, ticket, event),
        headline=_headline(t, event),
        text=text,
        files=t.tn("{n} file", "{n} files", file_count) if file_count else "",
    )


def _author(t: Translator, ticket: Ticket, event: TicketEvent) -> str:
    if event.actor_kind == ActorKind.CUSTOMER:
        return desk_card.customer_name(t, ticket.customer)
    if event.actor_kind == ActorKind.STAFF:
        return event.actor_name or t.t(
            "Staff member {telegram_id}", telegram_id=event.actor_telegram_id
        )
    return t.t("Kefu")


def _headline(t: Translator, event: TicketEvent) -> str:
    data = event.data
    match event.kind:
        case EventKind.CREATED:
            return t.t("Ticket opened")
        case EventKind.CUSTOMER_MESSAGE:
            return t.t("Message from the customer")
        case EventKind.STAFF_REPLY if data.get("delivered") is False:
            return t.t("Reply to the customer (not delivered)")
        case EventKind.STAFF_REPLY:
            return t.t("Reply to the customer")
        case EventKind.INTERNAL_NOTE:
            return t.t("Internal note")
        case EventKind.STATUS_CHANGED:
            return t.t(
                "Status: {old} → {new}",
                old=wording.status_name(t, TicketStatus(data["from"])),
                new=wording.status_name(t, TicketStatus(data["to"])),
            )
        case EventKind.PRIORITY_CHANGED:
            return t.t(
                "Priority: {old} → {new}",
                old=wording.priority_name(t, Priority(data["from"])),
                new=wording.priority_name(t, Priority(data["to"])),
            )
        case EventKind.ASSIGNED if data.get("telegram_id") is None:
            return t.t("Unassigned")
        case EventKind.ASSIGNED:
            return t.t("Assigned to {name}", name=data.get("name") or data["telegram_id"])
        case EventKind.TOPIC_LINKED:
            return t.t("Staff topic opened")
        case EventKind.DETAILS_CHANGED:
            return t.t("Details changed")
        case EventKind.ATTACHMENT:
            return t.t("File received")
        case EventKind.ALERT:
            return t.t("Service-level alert")
        case EventKind.SURVEY:
            return t.t("Satisfaction survey")
    return str(event.kind)
