"""Every change to a ticket's state, in one place: create, link its topic, assign, set priority,
wait for the customer and resume, record the first response, decide a return, resolve, reopen,
close.

Each change is one unit of work that holds the ticket's row, so two staff actions on the same
ticket run one after the other; the repositories record a ticket event for it, and the SLA
hook recomputes the ticket's timers in the same transaction (`domain.sla.tracking`). Nothing
here calls Telegram inside a transaction (RELIABILITY.md): where a change has a consequence in
Telegram (the customer told of a resolution, a topic closed), it follows the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, Message
from telegram.error import BadRequest

from bot.services import Kefu
from domain.care.record_delivery import send_service_record
from domain.desk import emergency
from domain.desk.card import customer_translator
from domain.desk.files import file_of
from domain.desk.reach import reach_customer
from storage import attachments, customers, events, tickets
from storage.enums import EventKind, Priority, TicketStatus, TicketType, Warranty
from storage.events import Actor
from storage.models import Ticket

DECIDABLE = frozenset({TicketType.RETURN, TicketType.EXCHANGE})


@dataclass
class TicketDraft:
    """What a customer's flow gathered, ready to become a ticket."""

    type: TicketType
    priority: Priority = Priority.NORMAL
    product_id: str | None = None
    order_number: str | None = None
    serial_number: str | None = None
    purchase_date: date | None = None
    delivery_date: date | None = None
    warranty: Warranty = Warranty.UNKNOWN
    description: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    intake_key: str | None = None  # the flow's draft: the same draft never makes two tickets
    emergency: bool = False  # the customer pressed "Emergency": raised in the same transaction


@dataclass(frozen=True)
class Created:
    ticket_id: int
    number: str


@dataclass(frozen=True)
class Outcome:
    changed: bool  # False: the ticket was already in that state (or is gone)
    customer_told: bool = False


# --- opening --------------------------------------------------------------------------------


async def create(
    kefu: Kefu, customer_id: int, draft: TicketDraft, *, now: datetime | None = None
) -> Created:
    """The ticket and its files, committed in one transaction.

    Handling is at least once: a confirmation replayed after a crash (committed, not yet marked
    handled) gets the ticket its first handling made, with the same number.
    """
    now = now or kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        if draft.intake_key is not None:
            made = await tickets.get_by_intake_key(session, draft.intake_key)
            if made is not None:
                return Created(made.id, made.number)
        customer = await customers.get(session, customer_id)
        assert customer is not None
        ticket = await tickets.create(
            session,
            customer,
            draft.type,
            now=now,
            priority=draft.priority,
            product_id=draft.product_id,
            order_number=draft.order_number,
            serial_number=draft.serial_number,
            purchase_date=draft.purchase_date,
            delivery_date=draft.delivery_date,
            warranty=draft.warranty,
            description=draft.description,
            details=draft.details,
            intake_key=draft.intake_key,
        )
        for file in draft.attachments:
            await attachments.add(session, ticket, actor=Actor.customer(customer), now=now, **file)
        if draft.emergency:
            actor = Actor.customer(customer)
            await emergency.raise_emergency(kefu, session, ticket, actor=actor, now=now)
        return Created(ticket.id, ticket.number)


async def made_from(kefu: Kefu, intake_key: str) -> bool:
    """Whether the draft `intake_key` is a ticket already (a replayed confirmation)."""
    async with kefu.db.read_only() as session:
        return await tickets.get_by_intake_key(session, intake_key) is not None


async def link_topic(kefu: Kefu, ticket_id: int, chat_id: int, thread: int) -> Ticket | None:
    """Link the ticket to its new forum topic; None if it already has one (another won)."""
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None or ticket.staff_topic_id is not None:
            return None
        await tickets.set_topic(session, ticket, chat_id, thread, now=kefu.clock.now())
        return ticket


async def remember_card(kefu: Kefu, ticket: Ticket, message_id: int, *, title: str) -> None:
    """The card just posted, and the topic's title, show the ticket as linked."""
    assert ticket.card_due_at is not None  # linking the topic made the card due
    async with kefu.db.unit_of_work() as session:
        await tickets.card_shown(
            session,
            ticket.id,
            ticket.card_due_at,
            title=title,
            message_id=message_id,
            shown_erased=ticket.personal_data_erased_at is not None,
        )


# --- staff at work --------------------------------------------------------------------------


async def assign(kefu: Kefu, ticket_id: int, actor: Actor, assignee: tuple[int, str]) -> bool:
    """Give the ticket to a staff member; False if they already have it."""
    async with kefu.db.unit_of_work() as session:
        ticket = await _locked(session, ticket_id)
        return await tickets.assign(
            session,
            ticket,
            assignee_telegram_id=assignee[0],
            assignee_name=assignee[1],
            actor=actor,
            now=kefu.clock.now(),
        )


async def set_priority(kefu: Kefu, ticket_id: int, actor: Actor, priority: Priority) -> bool:
    async with kefu.db.unit_of_work() as session:
        ticket = await _locked(session, ticket_id)
        return await tickets.set_priority(
            session, ticket, priority, actor=actor, now=kefu.clock.now()
        )


async def wait_for_customer(kefu: Kefu, ticket_id: int, actor: Actor) -> bool:
    """Pause the resolution timer until the customer writes; False unless the ticket is open."""
    async with kefu.db.unit_of_work() as session:
        ticket = await _locked(session, ticket_id)
        if ticket.status != TicketStatus.OPEN:
            return False
        await tickets.set_status(
            session, ticket, TicketStatus.WAITING_CUSTOMER, actor=actor, now=kefu.clock.now()
        )
        return True


async def add_note(kefu: Kefu, ticket_id: int, actor: Actor, text: str) -> None:
    """An internal note for colleagues; the customer never sees it."""
    async with kefu.db.unit_of_work() as session:
        ticket = await _locked(session, ticket_id)
        await events.append(
            session, ticket, EventKind.INTERNAL_NOTE, actor, now=kefu.clock.now(), text=text
        )


async def record_staff_reply(
    kefu: Kefu, ticket_id: int, actor: Actor, message: Message, *, delivered: bool
) -> None:
    """A staff reply in the service record; only a delivered one counts as the first response."""
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        ticket = await _locked(session, ticket_id)
        await _record_message(
            session,
            ticket,
            EventKind.STAFF_REPLY,
            actor,
            message,
            now=now,
            data={"delivered": delivered},
        )
        if delivered:
            await tickets.stamp_first_response(session, ticket, now=now)


async def record_template_reply(
    kefu: Kefu,
    ticket_id: int,
    actor: Actor,
    text: str,
    *,
    template: str,
    delivered: bool,
    by_automation: bool = False,
) -> None:
    """A reply template sent by staff: recorded as the staff reply it is (the words the customer
    got), with the template's name; only a delivered one counts as the first response.

    One an automation rule sent (`by_automation`) is in the record too, but is no response: an
    automatic acknowledgement must not meet the promise that a person answers in time."""
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        ticket = await _locked(session, ticket_id)
        data: dict[str, Any] = {"delivered": delivered, "template": template}
        if by_automation:
            data["automation"] = True
        await events.append(
            session, ticket, EventKind.STAFF_REPLY, actor, now=now, text=text, data=data
        )
        if delivered and not by_automation:
            await tickets.stamp_first_response(session, ticket, now=now)


@dataclass(frozen=True)
class Decision:
    """A return decision as recorded, or why it was refused (`refused`)."""

    ticket: Ticket | None
    refused: str | None = None  # "type" (not a return or exchange) or "inactive"


async def decide_return(
    kefu: Kefu, ticket_id: int, actor: Actor, *, approved: bool, note: str | None
) -> Decision:
    """Staff override the return policy's verdict on an open return or exchange request."""
    async with kefu.db.unit_of_work() as session:
        ticket = await _locked(session, ticket_id)
        if ticket.type not in DECIDABLE:
            return Decision(None, refused="type")
        if not ticket.status.is_active:
            return Decision(None, refused="inactive")
        decision = {
            "eligible": approved,
            "decision": "approved" if approved else "declined",
            "decided_by": actor.name,
            "decision_note": note,
        }
        await tickets.update_details(session, ticket, decision, actor=actor, now=kefu.clock.now())
        return Decision(ticket)


# --- the customer writes ------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerMessage:
    """Where a recorded customer message is to be copied, and whether it reopened the ticket."""

    topic: tuple[int, int] | None  # (staff chat, thread), None before the topic exists
    reopened: bool
    has_file: bool


async def record_customer_message(
    kefu: Kefu,
    ticket_id: int,
    message: Message,
    *,
    in_topic: bool = False,
    message_id: int | None = None,
) -> CustomerMessage | None:
    """The customer's words and file on the ticket. Writing resumes a ticket waiting for them
    and reopens a resolved one. None if the ticket is gone, or its customer has not consented
    (the handlers' consent gate asks first; this is the last line of that promise), or the
    message is on the ticket already.

    `message_id` is the message's id in the customer's chat (by default `message`'s own; a
    copy forwarded into the topic has another). Handling is at least once, so the same message
    may come again after a crash: recorded once, it neither appears twice in the service
    record nor reopens the ticket it was first recorded on after staff resolved it.

    The message is queued for the ticket's topic in the same transaction (`storage.relays`),
    unless it is there already (`in_topic`: forwarded there) or the topic does not exist yet
    (its announcement copies the record in)."""
    now = kefu.clock.now()
    message_id = message.message_id if message_id is None else message_id
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None or not ticket.customer.has_consented:
            return None
        if await events.has_customer_message(session, ticket.id, message_id):
            return None
        actor = Actor.customer(ticket.customer)
        # Where the message is in the customer's chat: the relay copies it from there.
        has_file = await _record_message(
            session,
            ticket,
            EventKind.CUSTOMER_MESSAGE,
            actor,
            message,
            now=now,
            data={"message_id": message_id},
            relay_due_at=now if ticket.staff_topic_id is not None and not in_topic else None,
        )
        reopened = ticket.status == TicketStatus.RESOLVED
        if ticket.status in (TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED):
            await tickets.set_status(session, ticket, TicketStatus.OPEN, actor=actor, now=now)
        await customers.mark_reachable(session, ticket.customer, now=now)
        chat_id, thread = ticket.staff_chat_id, ticket.staff_topic_id
    topic = (chat_id, thread) if chat_id is not None and thread is not None else None
    return CustomerMessage(topic, reopened, has_file)


# --- resolving, reopening, closing --------------------------------------------------------------


async def resolve(
    bot: Bot, kefu: Kefu, ticket_id: int, actor: Actor, comment: str | None = None
) -> Outcome:
    """Mark the ticket resolved (`comment`: what was done, for the service record), then tell
    the customer, in their language, how to reopen it, and send them the service record."""
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None:
            return Outcome(changed=False)
        changed = ticket.status.is_active
        if changed:
            await tickets.set_status(
                session,
                ticket,
                TicketStatus.RESOLVED,
                actor=actor,
                now=kefu.clock.now(),
                text=comment,
            )
            await emergency.ask_for_cause(session, ticket, now=kefu.clock.now())
    if not changed:
        if ticket.status == TicketStatus.RESOLVED:
            # A resolve handled again after a crash (or said twice): the record goes out if
            # the first handling did not get that far, and never twice.
            await send_service_record(bot, kefu, ticket_id)
        return Outcome(changed=False)
    customer = ticket.customer
    words = customer_translator(kefu, customer).t(
        "Your ticket {number} has been resolved. If something is still not right, just write "
        "here within {days} days and we will reopen it.",
        number=ticket.number,
        days=kefu.config.support.reopen_days,
    )
    sent = await reach_customer(
        kefu, customer.id, lambda: bot.send_message(customer.telegram_id, words)
    )
    if sent is not None:
        await send_service_record(bot, kefu, ticket_id)
    return Outcome(changed=True, customer_told=sent is not None)


async def reopen(bot: Bot, kefu: Kefu, ticket_id: int, actor: Actor) -> Outcome:
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None or ticket.status.is_active:
            return Outcome(changed=False)
        was_closed = ticket.status == TicketStatus.CLOSED
        await tickets.set_status(
            session, ticket, TicketStatus.OPEN, actor=actor, now=kefu.clock.now()
        )
    if was_closed and ticket.staff_chat_id and ticket.staff_topic_id:
        await _set_topic_open(bot, ticket, open_=True)
    return Outcome(changed=True)


async def close(bot: Bot, kefu: Kefu, ticket_id: int, actor: Actor) -> Outcome:
    """Close the ticket for good and close its forum topic."""
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None or ticket.status == TicketStatus.CLOSED:
            return Outcome(changed=False)
        await tickets.set_status(
            session, ticket, TicketStatus.CLOSED, actor=actor, now=kefu.clock.now()
        )
    if ticket.staff_chat_id and ticket.staff_topic_id:
        await _set_topic_open(bot, ticket, open_=False)
    return Outcome(changed=True)


async def close_topic(bot: Bot, ticket: Ticket) -> None:
    """Close a closed ticket's forum topic (a ticket closed by something other than `close`)."""
    if ticket.staff_chat_id and ticket.staff_topic_id:
        await _set_topic_open(bot, ticket, open_=False)


async def _set_topic_open(bot: Bot, ticket: Ticket, *, open_: bool) -> None:
    assert ticket.staff_chat_id is not None and ticket.staff_topic_id is not None
    change = bot.reopen_forum_topic if open_ else bot.close_forum_topic
    try:
        await change(ticket.staff_chat_id, ticket.staff_topic_id)
    except BadRequest as error:
        # Telegram answers TOPIC_NOT_MODIFIED when the topic already is in that state.
        if "not_modified" not in error.message.lower().replace(" ", "_"):
            raise


async def _record_message(
    session: AsyncSession,
    ticket: Ticket,
    kind: EventKind,
    actor: Actor,
    message: Message,
    *,
    now: datetime,
    data: dict[str, Any] | None = None,
    relay_due_at: datetime | None = None,
) -> bool:
    """A message's words as a ticket event, its photo or file attached to that event; True
    if it carried a file."""
    event = await events.append(
        session, ticket, kind, actor, now=now, text=message.text or message.caption, data=data
    )
    event.relay_due_at = relay_due_at
    file = file_of(message)
    if file is not None:
        await attachments.add(session, ticket, actor=actor, now=now, event=event, **file)
    return file is not None


async def _locked(session: AsyncSession, ticket_id: int) -> Ticket:
    ticket = await tickets.get(session, ticket_id, for_update=True)
    assert ticket is not None, "tickets are never deleted"
    return ticket
