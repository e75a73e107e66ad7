"""The service record of a ticket: append-only events saying what, when and who."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import ActorKind, EventKind
from storage.models import Customer, Ticket, TicketEvent


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a customer, a staff member, or Kefu itself."""

    kind: ActorKind
    telegram_id: int | None = None
    name: str | None = None

    @classmethod
    def system(cls) -> "Actor":
        return cls(ActorKind.SYSTEM)

    @classmethod
    def staff(cls, telegram_id: int, name: str | None) -> "Actor":
        return cls(ActorKind.STAFF, telegram_id, name)

    @classmethod
    def customer(cls, customer: Customer) -> "Actor":
        # The name is copied only if the customer consented to keeping it.
        return cls(ActorKind.CUSTOMER, customer.telegram_id, customer.first_name)


# What the ticket's card in its topic shows (domain.desk.card.render_card): a change of any of
# these is shown on the card (`domain.desk.cards`). Messages are not: the card would be edited
# for every one, out of the group's 20 messages a minute.
CARD_CHANGES = frozenset(
    {
        EventKind.STATUS_CHANGED,
        EventKind.PRIORITY_CHANGED,
        EventKind.ASSIGNED,
        EventKind.DETAILS_CHANGED,
        EventKind.CHARGE,
        EventKind.TOPIC_LINKED,
        EventKind.EMERGENCY,
    }
)


async def append(
    session: AsyncSession,
    ticket: Ticket,
    kind: EventKind,
    actor: Actor,
    *,
    now: datetime,
    text: str | None = None,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Add an event to the ticket's record (flushed, so it has an id). An event of a change
    the card shows marks the card due to be shown again, in the same transaction."""
    if kind in CARD_CHANGES:
        ticket.card_due_at = now
    event = TicketEvent(
        ticket_id=ticket.id,
        kind=kind,
        actor_kind=actor.kind,
        actor_telegram_id=actor.telegram_id,
        actor_name=actor.name,
        text=text,
        data=data or {},
        created_at=now,
    )
    session.add(event)
    await session.flush()
    return event


async def history(session: AsyncSession, ticket_id: int) -> list[TicketEvent]:
    """All events of a ticket, oldest first."""
    rows = await session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return list(rows)


async def has_customer_message(session: AsyncSession, ticket_id: int, message_id: int) -> bool:
    """Whether the customer's message (its id in their chat with the bot) is on the ticket."""
    found = await session.scalar(
        select(TicketEvent.id)
        .where(
            TicketEvent.ticket_id == ticket_id,
            TicketEvent.kind == EventKind.CUSTOMER_MESSAGE,
            TicketEvent.data["message_id"].as_integer() == message_id,
        )
        .limit(1)
    )
    return found is not None
