"""Erasing a customer's personal data: on withdrawal, on `/forget`, and after retention.

One set of steps for all three, so they cannot drift apart. What stays is the anonymous record
the service contract and the reports need: a ticket's type, product, dates, statuses, priority,
warranty status, SLA figures and survey scores, and the Telegram id, language and consent
history of the customer (the id is how Kefu answers them at all; the history proves consent).
Everything a person wrote, or that identifies them, goes:

- the customer's names, username, phone and e-mail, the name and address of their profile,
  the products they told us of (`customer_products`), and staff's tags and notes about them;
- each ticket's description, serial and order numbers, an emergency's cause and prevention
  (staff's words, which may quote the customer), its topic's title as last set, and its
  details except the anonymous facts in `ANONYMOUS_DETAILS` (the visit address goes, the
  return verdict stays);
- every event's text (customer messages, staff replies and notes may quote an address or a
  phone number), the customer's name as an event's actor, and detail changes' values;
- the attachments (rows and Telegram file ids);
- survey and campaign comments (the scores stay);
- the flow state and drafts (`user_states`, `conversation_states`);
- the inbox payloads of their updates still waiting for a retry (`storage.inbox`);
- and what was still to be sent to them (visits, reminders, survey questions) is skipped, and
  their places at events still to come are given back.

Each anonymised ticket with a topic is queued for its staff notice (`erasure_notice_due_at`):
the topic renamed, the card edited, staff told. The queue is in the ticket's row, written in the
erasure's own transaction, so a crash right after the commit still tells the staff.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import care_events, inbox, outbox
from storage.enums import ActorKind, EventKind
from storage.models import (
    Attachment,
    ConversationState,
    Customer,
    Ticket,
    TicketEvent,
    UserState,
)
from storage.profile_models import CustomerNote, CustomerProduct, CustomerTag
from storage.survey_models import CampaignRecipient, TicketSurvey

# Keys of `Ticket.details` that describe the case, not the person: enums, flags and dates.
ANONYMOUS_DETAILS = frozenset(
    {
        "visit",
        "time_window",
        "reason",
        "resolution",
        "eligible",
        "verdict",
        "window_last_day",
        "category",
        "decision",
        "repeat_of",  # the ticket number a follow-up visit's "No" came back about
    }
)


ErasedBy = Literal["customer", "retention"]


@dataclass
class Erased:
    """What one erasure removed, to tell the customer and staff exactly that."""

    profile: bool = False  # names, username, phone, e-mail, profile name or address were held
    products: int = 0  # the products they told us of (`customer_products`)
    notes: int = 0  # staff's tags and notes about them
    tickets: list[int] = field(default_factory=list)  # ids of the tickets anonymised
    messages: int = 0  # event texts
    files: int = 0
    comments: int = 0  # survey and campaign comments
    flow: bool = False  # a request in progress (its draft)
    inbox: int = 0  # updates waiting for a retry


async def erase_customer(
    session: AsyncSession,
    customer: Customer,
    *,
    now: datetime,
    by: ErasedBy,
    current_update_id: int | None = None,
    pending_updates: bool = True,
) -> Erased:
    """Everything personal about `customer`, in every table. Idempotent.

    `current_update_id` is the update asking for the erasure: the inbox drops its payload
    when it is marked handled, and the customer's earlier updates still pending are erased here
    (`pending_updates`; the retention job leaves them: they are live traffic, not a backlog).
    """
    erased = Erased(profile=erase_profile(customer, now=now))
    erased.products, erased.notes = await _erase_profile_rows(session, customer.id)
    ticket_ids = list(
        await session.scalars(select(Ticket.id).where(Ticket.customer_id == customer.id))
    )
    for ticket_id in ticket_ids:
        await _anonymise(session, ticket_id, erased, by=by, now=now)
    erased.comments += await _erase_campaign_comments(session, customer.id)
    # Visits, reminders and survey questions still waiting: a customer who withdrew or was
    # erased is sent none.
    await outbox.skip_queued(session, customer.id)
    await care_events.cancel_upcoming_of(session, customer.id, now=now)
    erased.flow = await _erase_flow_state(session, customer.telegram_id)
    if pending_updates:
        erased.inbox = await inbox.erase_pending_of(
            session, customer.telegram_id, before_update_id=current_update_id, now=now
        )
    return erased


async def anonymise_ticket(session: AsyncSession, ticket: Ticket, *, now: datetime) -> Erased:
    """One ticket's personal data (retention); the customer's profile is not touched."""
    erased = Erased()
    await _anonymise(session, ticket.id, erased, by="retention", now=now)
    return erased


def erase_profile(customer: Customer, *, now: datetime) -> bool:
    """Clear the customer's personal fields; True if any was set."""
    held = any(
        (
            customer.first_name,
            customer.last_name,
            customer.username,
            customer.phone,
            customer.email,
            customer.display_name,
            customer.address,
        )
    )
    customer.first_name = customer.last_name = customer.username = None
    customer.phone = customer.email = None
    customer.display_name = customer.address = None
    if held:
        customer.updated_at = now
    return held


async def _anonymise(
    session: AsyncSession, ticket_id: int, erased: Erased, *, by: ErasedBy, now: datetime
) -> None:
    ticket = await session.get(Ticket, ticket_id)
    assert ticket is not None
    ticket.description = ticket.serial_number = ticket.order_number = None
    # Staff write an emergency's cause and prevention, but they may quote the customer.
    ticket.emergency_cause = ticket.emergency_prevention = None
    ticket.staff_topic_title = None  # it names the customer; the erasure notice renames it
    ticket.details = _anonymous(ticket.details)
    if ticket.personal_data_erased_at is None:
        ticket.personal_data_erased_at, ticket.erased_by = now, by
        if ticket.staff_topic_id is not None:
            ticket.erasure_notice_due_at = now
    ticket.updated_at = now
    erased.tickets.append(ticket_id)

    with_text = await session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.text.is_not(None))
        .values(text=None)
    )
    # Nothing of theirs is copied into the topic any more.
    await session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.relay_due_at.is_not(None))
        .values(relay_due_at=None)
    )
    erased.messages += with_text.rowcount
    await session.execute(
        update(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.actor_kind == ActorKind.CUSTOMER)
        .values(actor_name=None)
    )
    changes = await session.scalars(
        select(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.DETAILS_CHANGED
        )
    )
    for event in changes:
        event.data = {**event.data, "changes": _anonymous(event.data.get("changes") or {})}

    files = await session.execute(delete(Attachment).where(Attachment.ticket_id == ticket_id))
    erased.files += files.rowcount
    comments = await session.execute(
        update(TicketSurvey)
        .where(TicketSurvey.ticket_id == ticket_id, TicketSurvey.comment.is_not(None))
        .values(comment=None)
    )
    erased.comments += comments.rowcount
    # A follow-up visit's comment is about this ticket too (its row names the ticket).
    visit_comments = await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.ticket_id == ticket_id, CampaignRecipient.comment.is_not(None))
        .values(comment=None)
    )
    erased.comments += visit_comments.rowcount
    # A survey not sent yet never will be: the customer is no longer to be asked about it.
    await session.execute(
        update(TicketSurvey)
        .where(TicketSurvey.ticket_id == ticket_id, TicketSurvey.sent_at.is_(None))
        .values(failed_at=now)
    )


async def _erase_profile_rows(session: AsyncSession, customer_id: int) -> tuple[int, int]:
    """The customer's products (serial numbers), and staff's tags and notes about them: how
    many products, and how many tags and notes."""
    removed: dict[type, int] = {}
    for model in (CustomerProduct, CustomerTag, CustomerNote):
        result = await session.execute(delete(model).where(model.customer_id == customer_id))
        removed[model] = max(int(result.rowcount or 0), 0)
    return removed[CustomerProduct], removed[CustomerTag] + removed[CustomerNote]


def _anonymous(details: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in details.items() if key in ANONYMOUS_DETAILS}


async def _erase_campaign_comments(session: AsyncSession, customer_id: int) -> int:
    result = await session.execute(
        update(CampaignRecipient)
        .where(
            CampaignRecipient.customer_id == customer_id, CampaignRecipient.comment.is_not(None)
        )
        .values(comment=None)
    )
    return result.rowcount


async def _erase_flow_state(session: AsyncSession, telegram_id: int) -> bool:
    """The pickled drafts and the flow positions of a private chat (PTB's key: chat, user)."""
    drafts = await session.execute(delete(UserState).where(UserState.telegram_id == telegram_id))
    key = json.dumps([telegram_id, telegram_id])
    positions = await session.execute(
        delete(ConversationState).where(ConversationState.key == key)
    )
    return bool(drafts.rowcount or positions.rowcount)


# --- the staff notice of each erased ticket -------------------------------------------------


async def notices_due(session: AsyncSession, *, now: datetime, limit: int) -> list[int]:
    """Erased tickets whose topic is still to be told, oldest first."""
    rows = await session.scalars(
        select(Ticket.id)
        .where(Ticket.erasure_notice_due_at <= now)
        .order_by(Ticket.erasure_notice_due_at)
        .limit(limit)
    )
    return list(rows)


async def claim_notice(
    session: AsyncSession, ticket_id: int, *, now: datetime, lease: timedelta
) -> bool:
    """Take the ticket's notice for `lease`; False if it is done or another instance has it.
    A conditional UPDATE, so two instances cannot both take it."""
    result = await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.erasure_notice_due_at <= now)
        .values(erasure_notice_due_at=now + lease)
    )
    return result.rowcount == 1


async def notice_done(session: AsyncSession, ticket_id: int, *, title: str) -> None:
    """Staff were told; the topic is titled `title` now (it names no one)."""
    await session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(erasure_notice_due_at=None, staff_topic_title=title)
    )
