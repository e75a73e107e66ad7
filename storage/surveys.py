"""Satisfaction surveys after resolved tickets: due tickets, sending state, answers, results.

A survey row is created once per ticket (unique `ticket_id`) by the scan, in the same statement
that finds the due tickets, and is then leased to a sender until it is sent; a crash between
the two leaves an unsent row that the next scan sends. Answers are also recorded as `survey`
events on the ticket.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects, events
from storage.dialects import database_now
from storage.enums import EventKind
from storage.events import Actor
from storage.models import Customer, Ticket
from storage.survey_models import TicketSurvey

MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class SurveyRow:
    number: str
    customer_id: int
    language: str
    sent_at: datetime | None
    score: int | None
    comment: str | None
    answered_at: datetime | None


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    delay: timedelta,
    expiry: timedelta,
    lease: timedelta,
    limit: int,
) -> list[int]:
    """Create the surveys of tickets resolved at least `delay` ago (but not so long ago that
    the survey would already have expired), then lease every unsent survey; their ids."""
    cutoff = now - delay
    due_tickets = (
        select(
            Ticket.id,
            Ticket.customer_id,
            literal(now, TicketSurvey.created_at.type),
            literal(now + expiry, TicketSurvey.expires_at.type),
            literal(0),
        )
        # Range scan on ix_tickets_resolved_at, then the unique index of ticket_surveys.
        .where(
            Ticket.resolved_at <= cutoff,
            Ticket.resolved_at > cutoff - expiry,
            Ticket.personal_data_erased_at.is_(None),  # the customer is not to be asked
            ~exists().where(TicketSurvey.ticket_id == Ticket.id),
        )
        .order_by(Ticket.resolved_at)
        .limit(limit)
    )
    await session.execute(
        dialects.insert(session, TicketSurvey)
        .from_select(
            ["ticket_id", "customer_id", "created_at", "expires_at", "attempts"], due_tickets
        )
        .on_conflict_do_nothing(index_elements=[TicketSurvey.ticket_id])
    )
    db_now = await database_now(session)
    ids = list(
        await session.scalars(
            select(TicketSurvey.id)
            .where(
                TicketSurvey.sent_at.is_(None),
                TicketSurvey.failed_at.is_(None),
                TicketSurvey.expires_at > now,
                or_(TicketSurvey.claimed_until.is_(None), TicketSurvey.claimed_until < db_now),
            )
            .order_by(TicketSurvey.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        await session.execute(
            update(TicketSurvey)
            .where(TicketSurvey.id.in_(ids))
            .values(claimed_until=db_now + lease)
        )
    return ids


async def with_ticket(
    session: AsyncSession, survey_id: int, *, for_update: bool = False
) -> tuple[TicketSurvey, Ticket] | None:
    """The survey and its ticket (with the customer)."""
    query = (
        select(TicketSurvey, Ticket)
        .join(Ticket, Ticket.id == TicketSurvey.ticket_id)
        .where(TicketSurvey.id == survey_id)
    )
    if for_update:
        query = query.with_for_update(of=TicketSurvey)
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


async def mark_sent(
    session: AsyncSession, survey_id: int, *, message_id: int, now: datetime
) -> None:
    await session.execute(
        update(TicketSurvey)
        .where(TicketSurvey.id == survey_id)
        .values(
            sent_at=now,
            telegram_message_id=message_id,
            attempts=TicketSurvey.attempts + 1,
            claimed_until=None,
        )
    )


async def mark_failed(session: AsyncSession, survey_id: int, *, now: datetime) -> None:
    """Give up on sending (blocked, or a permanent error)."""
    await session.execute(
        update(TicketSurvey)
        .where(TicketSurvey.id == survey_id)
        .values(failed_at=now, attempts=TicketSurvey.attempts + 1, claimed_until=None)
    )


async def retry_later(
    session: AsyncSession, survey_id: int, *, delay: timedelta, now: datetime
) -> None:
    """Try again after `delay` (the lease is the wait); give up after MAX_ATTEMPTS."""
    survey = await session.get(TicketSurvey, survey_id)
    if survey is None:
        return
    survey.attempts += 1
    if survey.attempts >= MAX_ATTEMPTS:
        survey.failed_at, survey.claimed_until = now, None
    else:
        survey.claimed_until = await database_now(session) + delay


async def record_score(
    session: AsyncSession,
    survey: TicketSurvey,
    ticket: Ticket,
    score: int,
    *,
    actor: Actor,
    now: datetime,
) -> int | None:
    """Store the score (a change replaces it) and add it to the ticket's record; the previous
    score, if any."""
    previous = survey.score
    survey.score = score
    if survey.answered_at is None:
        survey.answered_at = now
    data: dict[str, object] = {"score": score}
    if previous is not None:
        data["previous"] = previous
    await events.append(session, ticket, EventKind.SURVEY, actor, now=now, data=data)
    return previous


async def record_comment(
    session: AsyncSession,
    survey: TicketSurvey,
    ticket: Ticket,
    comment: str,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    survey.comment = comment
    await events.append(
        session, ticket, EventKind.SURVEY, actor, now=now, text=comment, data={"comment": True}
    )


async def unalerted_low_scores(
    session: AsyncSession, *, threshold: int, limit: int = 20
) -> list[int]:
    """Answered surveys with a low score whose alert was not posted (a crash in between)."""
    rows = await session.scalars(
        select(TicketSurvey.id)
        .where(
            TicketSurvey.score <= threshold,
            TicketSurvey.alerted_at.is_(None),
            TicketSurvey.answered_at.is_not(None),
        )
        .order_by(TicketSurvey.id)
        .limit(limit)
    )
    return list(rows)


async def mark_alerted(session: AsyncSession, survey_id: int, *, now: datetime) -> None:
    await session.execute(
        update(TicketSurvey).where(TicketSurvey.id == survey_id).values(alerted_at=now)
    )


async def sent_between(session: AsyncSession, since: datetime, until: datetime) -> list[SurveyRow]:
    """Surveys sent in [since, until), with their answers (results and CSV export)."""
    rows = await session.execute(
        select(
            Ticket.number,
            TicketSurvey.customer_id,
            Customer.language,
            TicketSurvey.sent_at,
            TicketSurvey.score,
            TicketSurvey.comment,
            TicketSurvey.answered_at,
        )
        .join(Ticket, Ticket.id == TicketSurvey.ticket_id)
        .join(Customer, Customer.id == TicketSurvey.customer_id)
        .where(TicketSurvey.sent_at >= since, TicketSurvey.sent_at < until)
        .order_by(TicketSurvey.sent_at, TicketSurvey.id)
    )
    return [SurveyRow(*row[:2], str(row[2]), *row[3:]) for row in rows]
