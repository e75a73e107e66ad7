"""A customer's tickets as staff review them (/customer): each with its satisfaction score."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import tickets
from storage.models import Ticket
from storage.survey_models import TicketSurvey


@dataclass(frozen=True)
class Served:
    ticket: Ticket
    csat: int | None  # the after-ticket rating, 1-5, if answered


async def history(session: AsyncSession, customer_id: int, *, limit: int) -> list[Served]:
    """The customer's latest tickets, newest first, with their ratings."""
    latest = await tickets.recent_for_customer(session, customer_id, limit=limit)
    ids = [ticket.id for ticket in latest]
    rows = await session.execute(
        select(TicketSurvey.ticket_id, TicketSurvey.score).where(
            TicketSurvey.ticket_id.in_(ids), TicketSurvey.score.is_not(None)
        )
    )
    scores: dict[int, int] = {ticket_id: score for ticket_id, score in rows}
    return [Served(ticket, scores.get(ticket.id)) for ticket in latest]
