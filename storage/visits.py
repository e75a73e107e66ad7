"""Follow-up visits (回访): one outbox row per resolved ticket, its answer, and what reports count.

Visits go out through the campaign outbox (`storage.outbox`) as recipients of one standing
campaign, `followup`, created on first need. `queue_due` writes a ticket's row once its visit
came due (resolved `followup_days` of its type ago), due at once in the database's clock: the
business clock may run ahead of the database's (a moved clock in tests and demos), and a ticket
reopened before its visit was due has no `resolved_at`, so it is asked about only once it is
resolved again. The unique (campaign, ticket) key makes the queueing idempotent.

Every ticket whose visit came due gets its row, so reports can tell a visit sent from one never
sent: pending when the customer may be asked, skipped at once when not (no consent, opted out
of surveys, unreachable, or the ticket's personal data erased). The sender checks again before
sending (`Delivery.may_receive`, and the ticket: still resolved, not erased).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects, events, standing
from storage.dialects import database_now
from storage.enums import EventKind, TicketType
from storage.events import Actor
from storage.models import Customer, Ticket
from storage.reports import MAX_LISTED, Share
from storage.standing import Standing
from storage.survey_models import (
    QUEUED,
    Campaign,
    CampaignKind,
    CampaignRecipient,
    DeliveryStatus,
)

FOLLOWUP = "followup"  # the standing campaign's name
# A visit that came due longer ago than this (Kefu was down) is not queued any more.
LOOKBACK = timedelta(days=30)
# The answers, as `CampaignRecipient.answer` keeps them.
WORKS_WELL = 1
PROBLEM_BACK = 0
ANSWER_NAMES = {WORKS_WELL: "yes", PROBLEM_BACK: "no"}
# What the standing campaign's row says of itself (/mydata shows a visit's question from it).
_TEXTS = {"en": {"question": "Follow-up visit after a resolved ticket"}}


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit's outbox row and its ticket (with the customer)."""

    row: CampaignRecipient
    ticket: Ticket


@dataclass(frozen=True, slots=True)
class VisitCounts:
    """The visits of the tickets resolved in a period whose visit came due and was settled."""

    due: int
    sent: int
    answered: int
    never_sent: tuple[str, ...]  # ticket numbers, at most MAX_LISTED

    @property
    def sent_share(self) -> Share:
        return Share(self.sent, self.due, self.never_sent)


# --- the standing campaign ----------------------------------------------------------------------


async def followup_campaign(session: AsyncSession, *, now: datetime) -> Standing:
    """The standing campaign of follow-up visits, created on first need."""
    return await standing.ensure(session, FOLLOWUP, CampaignKind.FOLLOWUP, texts=_TEXTS, now=now)


# --- queueing -----------------------------------------------------------------------------------


async def queue_due(
    session: AsyncSession, *, now: datetime, days: Mapping[TicketType, int], limit: int
) -> int:
    """Write the rows of the visits that came due by `now` (business time): tickets of a type
    in `days` resolved at least that many days ago, at most LOOKBACK longer ago, that have no
    visit yet, oldest first. How many rows were written (pending or skipped).

    The standing campaign is made with the first visit, not before: a Kefu that has none
    shows admins the campaign numbers they expect."""
    if not days:
        return 0
    came_due = [
        # One range scan on ix_tickets_resolved_at, then the type's own number of days.
        Ticket.resolved_at > now - timedelta(days=max(days.values())) - LOOKBACK,
        Ticket.resolved_at <= now - timedelta(days=min(days.values())),
        or_(
            *(
                and_(Ticket.type == kind, Ticket.resolved_at <= now - timedelta(days=count))
                for kind, count in days.items()
            )
        ),
    ]
    campaign = await standing.find(session, FOLLOWUP)
    if campaign is None:
        if not await session.scalar(select(exists().where(*came_due))):
            return 0
        campaign = await followup_campaign(session, now=now)
    may_ask = and_(
        Customer.consent_at.is_not(None),
        Customer.campaigns_opt_out_at.is_(None),
        Customer.unreachable_at.is_(None),
        Ticket.personal_data_erased_at.is_(None),
    )
    status = case((may_ask, DeliveryStatus.PENDING.value), else_=DeliveryStatus.SKIPPED.value)
    due_at = await database_now(session)
    rows = (
        select(
            literal(campaign.run_id),
            literal(campaign.campaign_id),
            Ticket.customer_id,
            Ticket.id,
            status,
            literal(0),
            literal(due_at, CampaignRecipient.next_attempt_at.type),
        )
        .select_from(Ticket)
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(
            *came_due,
            # One probe of the unique (campaign_id, ticket_id) index per candidate.
            ~exists().where(
                CampaignRecipient.campaign_id == campaign.campaign_id,
                CampaignRecipient.ticket_id == Ticket.id,
            ),
        )
        .order_by(Ticket.resolved_at, Ticket.id)
        .limit(limit)
    )
    columns = [
        "run_id",
        "campaign_id",
        "customer_id",
        "ticket_id",
        "status",
        "attempts",
        "next_attempt_at",
    ]
    result = await session.execute(
        dialects.insert(session, CampaignRecipient)
        .from_select(columns, rows)
        .on_conflict_do_nothing(
            index_elements=[
                CampaignRecipient.campaign_id,
                CampaignRecipient.ticket_id,
                CampaignRecipient.occasion,
            ]
        )
    )
    return max(int(result.rowcount or 0), 0)


# --- answers ------------------------------------------------------------------------------------


async def visit(
    session: AsyncSession, recipient_id: int, *, for_update: bool = False
) -> Visit | None:
    """The visit with this outbox row id; None if there is none (or the row is no visit)."""
    query = (
        select(CampaignRecipient, Ticket)
        .join(Ticket, Ticket.id == CampaignRecipient.ticket_id)
        .where(CampaignRecipient.id == recipient_id)
    )
    if for_update:
        query = query.with_for_update(of=CampaignRecipient)
    row = (await session.execute(query)).first()
    return Visit(row[0], row[1]) if row else None


async def record_answer(
    session: AsyncSession, found: Visit, answer: int, *, now: datetime
) -> None:
    """The customer's answer on the visit's row and in the ticket's record."""
    found.row.answer, found.row.answered_at = answer, now
    await events.append(
        session,
        found.ticket,
        EventKind.VISIT,
        Actor.customer(found.ticket.customer),
        now=now,
        data={"answer": ANSWER_NAMES[answer]},
    )


async def record_comment(
    session: AsyncSession, found: Visit, comment: str, *, now: datetime
) -> None:
    found.row.comment = comment
    await events.append(
        session,
        found.ticket,
        EventKind.VISIT,
        Actor.customer(found.ticket.customer),
        now=now,
        text=comment,
        data={"comment": True},
    )


# --- reports ------------------------------------------------------------------------------------


async def counts(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    types: Sequence[TicketType] = (),
) -> VisitCounts:
    """Of the tickets resolved in [start, end) whose visit came due: how many were sent, how
    many answered, and which were never sent (skipped, failed, blocked). Visits still queued
    are left out (pending), as are tickets whose visit is not due yet."""
    settled = [
        Campaign.standing == FOLLOWUP,
        Ticket.resolved_at >= start,
        Ticket.resolved_at < end,
        CampaignRecipient.status.not_in(QUEUED),
    ]
    if types:
        settled.append(Ticket.type.in_(list(types)))
    sent = CampaignRecipient.status == DeliveryStatus.SENT
    row = (
        await session.execute(
            _visits(
                func.count(),
                func.coalesce(func.sum(case((sent, 1), else_=0)), 0),
                func.count(CampaignRecipient.answered_at),
            ).where(*settled)
        )
    ).one()
    never_sent = await session.scalars(
        _visits(Ticket.number).where(*settled, ~sent).order_by(Ticket.number).limit(MAX_LISTED)
    )
    return VisitCounts(int(row[0]), int(row[1]), int(row[2]), tuple(never_sent))


def _visits(*columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(CampaignRecipient)
        .join(Ticket, Ticket.id == CampaignRecipient.ticket_id)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
    )


async def repeat_problem_share(session: AsyncSession, start: datetime, end: datetime) -> Share:
    """The repeat-problem rate: of the visits answered in [start, end), those answered "No, the
    problem is back". Counted by when the answer came, as the count always was: a visit not
    answered says nothing either way, so the visits sent are not the base (that is
    `followups_done`'s share); one answered in a later period counts there."""
    back = case((CampaignRecipient.answer == PROBLEM_BACK, 1), else_=0)
    row = (
        await session.execute(
            select(func.coalesce(func.sum(back), 0), func.count())
            .select_from(CampaignRecipient)
            .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
            .where(
                Campaign.standing == FOLLOWUP,
                CampaignRecipient.answered_at >= start,
                CampaignRecipient.answered_at < end,
            )
        )
    ).one()
    return Share(int(row[0]), int(row[1]))
