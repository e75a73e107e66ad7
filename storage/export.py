"""Everything stored about one customer, for their `/mydata` export.

Every query is scoped to the customer: their own row, their tickets, their survey and campaign
answers, their consent history. Which ticket events a customer may see is the caller's
decision (`event_kinds`); the query applies it, so what is left out never leaves the database.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import consent
from storage.enums import ActorKind, AttachmentKind, EventKind
from storage.models import Attachment, ConsentEvent, Customer, Ticket, TicketEvent
from storage.survey_models import Campaign, CampaignKind, CampaignRecipient, TicketSurvey


@dataclass(frozen=True, slots=True)
class SurveyAnswer:
    """The customer's answer to the question after a ticket."""

    ticket_number: str
    score: int | None
    comment: str | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class CampaignAnswer:
    """The customer's answer to a survey campaign, with the campaign's texts."""

    campaign_id: int
    kind: CampaignKind
    texts: dict[str, Any]
    language: str | None  # the language the question was sent in
    answer: int | None
    comment: str | None
    answered_at: datetime | None
    ticket_number: str | None = None  # the ticket a follow-up visit asked about


@dataclass(frozen=True, slots=True)
class FileSent:
    """A file the customer sent on one of their tickets (not the staff's files)."""

    ticket_number: str
    kind: AttachmentKind
    file_name: str | None
    mime_type: str | None
    size: int | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Everything:
    customer: Customer
    consent_history: list[ConsentEvent]
    tickets: list[Ticket]  # oldest first
    events: dict[int, list[TicketEvent]]  # by ticket id, oldest first, only `event_kinds`
    survey_answers: list[SurveyAnswer]
    campaign_answers: list[CampaignAnswer]
    files: list[FileSent]


async def everything_about(
    session: AsyncSession, customer_id: int, *, event_kinds: Collection[EventKind]
) -> Everything | None:
    """What Kefu holds about the customer; None if there is no such customer."""
    customer = await session.get(Customer, customer_id)
    if customer is None:
        return None
    return Everything(
        customer=customer,
        consent_history=await consent.history(session, customer_id),
        tickets=await _tickets(session, customer_id),
        events=await _events(session, customer_id, event_kinds),
        survey_answers=await _survey_answers(session, customer_id),
        campaign_answers=await _campaign_answers(session, customer_id),
        files=await _files(session, customer_id),
    )


async def _tickets(session: AsyncSession, customer_id: int) -> list[Ticket]:
    rows = await session.scalars(
        select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.id)
    )
    return list(rows)


async def _events(
    session: AsyncSession, customer_id: int, kinds: Collection[EventKind]
) -> dict[int, list[TicketEvent]]:
    rows = await session.scalars(
        select(TicketEvent)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.customer_id == customer_id, TicketEvent.kind.in_(list(kinds)))
        .order_by(TicketEvent.ticket_id, TicketEvent.id)
    )
    by_ticket: dict[int, list[TicketEvent]] = {}
    for event in rows:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    return by_ticket


async def _survey_answers(session: AsyncSession, customer_id: int) -> list[SurveyAnswer]:
    rows = await session.execute(
        select(Ticket.number, TicketSurvey.score, TicketSurvey.comment, TicketSurvey.answered_at)
        .join(Ticket, Ticket.id == TicketSurvey.ticket_id)
        .where(
            TicketSurvey.customer_id == customer_id,
            Ticket.customer_id == customer_id,
            or_(TicketSurvey.score.is_not(None), TicketSurvey.comment.is_not(None)),
        )
        .order_by(TicketSurvey.id)
    )
    return [SurveyAnswer(*row) for row in rows]


async def _campaign_answers(session: AsyncSession, customer_id: int) -> list[CampaignAnswer]:
    rows = await session.execute(
        select(
            Campaign.id,
            Campaign.kind,
            Campaign.texts,
            CampaignRecipient.language,
            CampaignRecipient.answer,
            CampaignRecipient.comment,
            CampaignRecipient.answered_at,
            Ticket.number,
        )
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .outerjoin(Ticket, Ticket.id == CampaignRecipient.ticket_id)
        .where(
            CampaignRecipient.customer_id == customer_id,
            or_(CampaignRecipient.answer.is_not(None), CampaignRecipient.comment.is_not(None)),
        )
        .order_by(CampaignRecipient.id)
    )
    return [CampaignAnswer(*row) for row in rows]


async def _files(session: AsyncSession, customer_id: int) -> list[FileSent]:
    # A file's sender is the actor of the event it came with; the staff's files are theirs.
    rows = await session.execute(
        select(
            Ticket.number,
            Attachment.kind,
            Attachment.file_name,
            Attachment.mime_type,
            Attachment.size,
            Attachment.created_at,
        )
        .join(Ticket, Ticket.id == Attachment.ticket_id)
        .join(TicketEvent, TicketEvent.id == Attachment.event_id)
        .where(Ticket.customer_id == customer_id, TicketEvent.actor_kind == ActorKind.CUSTOMER)
        .order_by(Attachment.id)
    )
    return [FileSent(*row) for row in rows]
