"""Attachments: files customers and staff send on a ticket (Telegram keeps the bytes)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import events
from storage.enums import AttachmentKind, EventKind
from storage.events import Actor
from storage.models import Attachment, Ticket, TicketEvent


async def add(
    session: AsyncSession,
    ticket: Ticket,
    kind: AttachmentKind,
    *,
    telegram_file_id: str,
    telegram_file_unique_id: str,
    actor: Actor,
    now: datetime,
    event: TicketEvent | None = None,
    file_name: str | None = None,
    mime_type: str | None = None,
    size: int | None = None,
) -> Attachment:
    """Keep a file on the ticket.

    Pass the `event` it arrived with (a customer message or staff reply carrying a photo);
    without one, an `attachment` event by `actor` is appended so the record stays complete.
    """
    if event is None:
        event = await events.append(
            session, ticket, EventKind.ATTACHMENT, actor, now=now, data={"kind": kind.value}
        )
    attachment = Attachment(
        ticket_id=ticket.id,
        event_id=event.id,
        kind=kind,
        telegram_file_id=telegram_file_id,
        telegram_file_unique_id=telegram_file_unique_id,
        file_name=file_name,
        mime_type=mime_type,
        size=size,
        created_at=now,
    )
    session.add(attachment)
    await session.flush()
    return attachment


async def for_ticket(session: AsyncSession, ticket_id: int) -> list[Attachment]:
    """The ticket's files, oldest first."""
    rows = await session.scalars(
        select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(Attachment.id)
    )
    return list(rows)
