"""The aggregates a report is made of: counts, shares and percentiles, computed by the database.

Every function takes a half-open period [start, end) of UTC instants. Tickets are judged by the
facts `domain.sla.tracking` writes as they happen (`sla_policy`, `*_deadline`, `*_met`,
`*_seconds`), so nothing here needs business time or a loop over rows in Python.

Who is in a figure:
- the SLA, reopen and complaint figures follow the tickets *opened* in the period (a cohort);
  a timer still running counts as breached once its deadline passed before `as_of` (when the
  report is made), and is left out (pending) before that;
- response and resolution times follow the tickets answered or resolved in the period;
- surveys follow the answers given in the period.

Percentiles are nearest-rank (the smallest value with at least q of the values at or below it),
picked with window functions, which SQLite and PostgreSQL both have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.enums import TicketType
from storage.models import SelfServiceAnswer, Ticket
from storage.survey_models import (
    Campaign,
    CampaignKind,
    CampaignRecipient,
    TicketSurvey,
)
from storage.types import UTCDateTime

MAX_LISTED = 50  # tickets named per breach list; the counts cover all of them


# --- dialects -----------------------------------------------------------------------------------


def _epoch(session: AsyncSession, column: ColumnElement[datetime]) -> ColumnElement[float]:
    if dialects.name_of(session) == "postgresql":
        return func.extract("epoch", column)
    # SQLite keeps UTC wall time as text (`storage.types.UTCDateTime`).
    return (func.julianday(column) - 2440587.5) * 86400.0


def bucket(
    session: AsyncSession, column: ColumnElement[datetime], start: datetime, seconds: int
) -> ColumnElement[int]:
    """Which `seconds`-long slice after `start` the instant falls in (0, 1, ...)."""
    offset = (_epoch(session, column) - start.timestamp()) / seconds
    if dialects.name_of(session) == "postgresql":
        return sa.cast(func.floor(offset), sa.Integer)
    return sa.cast(offset, sa.Integer)  # SQLite truncates; offsets here are never negative


def _in(column: ColumnElement[datetime], start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


async def _listed(session: AsyncSession, *where: ColumnElement[bool]) -> tuple[str, ...]:
    """The first MAX_LISTED ticket numbers of the tickets matching `where` (a cohort).

    PostgreSQL, when it expects many matches, walks the number index in order and filters,
    betting the matches are spread over it; a period's tickets are numbered together, so it
    reads every ticket numbered before them (41,779 rows for one list of June, 100,000 tickets:
    bench/report.py). Selected first (a materialized CTE), they are read by the cohort's
    ix_tickets_created_at and sorted. SQLite already plans it that way.
    """
    matching = select(Ticket.number).where(*where)
    if dialects.name_of(session) != "postgresql":
        return tuple(await session.scalars(matching.order_by(Ticket.number).limit(MAX_LISTED)))
    found = matching.cte("listed").prefix_with("MATERIALIZED")
    return tuple(
        await session.scalars(select(found.c.number).order_by(found.c.number).limit(MAX_LISTED))
    )


# --- tickets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketCounts:
    opened_by_type: dict[str, int]
    opened_by_product: dict[str | None, int]
    resolved: int
    closed: int
    backlog: int  # still unresolved and not closed when the period ended

    @property
    def opened(self) -> int:
        return sum(self.opened_by_type.values())


async def ticket_counts(session: AsyncSession, start: datetime, end: datetime) -> TicketCounts:
    opened = _in(Ticket.created_at, start, end)
    by_type = await session.execute(
        select(Ticket.type, func.count()).where(opened).group_by(Ticket.type)
    )
    by_product = await session.execute(
        select(Ticket.product_id, func.count()).where(opened).group_by(Ticket.product_id)
    )
    totals = (
        await session.execute(
            select(
                func.count().filter(_in(Ticket.resolved_at, start, end)),
                func.count().filter(_in(Ticket.closed_at, start, end)),
                func.count().filter(
                    Ticket.created_at < end,
                    or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= end),
                    or_(Ticket.closed_at.is_(None), Ticket.closed_at >= end),
                ),
            )
        )
    ).one()
    return TicketCounts(
        {str(kind): count for kind, count in by_type},
        {product: count for product, count in by_product},
        resolved=totals[0],
        closed=totals[1],
        backlog=totals[2],
    )


@dataclass(frozen=True)
class Spread:
    """Waiting times in business seconds: how many, the median and the 90th percentile."""

    count: int = 0
    median: int | None = None
    p90: int | None = None


async def _spreads(
    session: AsyncSession,
    value: ColumnElement[int],
    where: ColumnElement[bool],
    group: ColumnElement[object] | None = None,
) -> dict[object, Spread]:
    """Nearest-rank median and 90th percentile of `value`, per `group` (or one group, None)."""
    key = group if group is not None else sa.literal(None)
    ranked = (
        select(
            key.label("key"),
            value.label("value"),
            func.row_number().over(partition_by=key, order_by=value).label("rank"),
            func.count().over(partition_by=key).label("n"),
        )
        .where(where, value.is_not(None))
        .subquery()
    )
    # ceil(q * n) in integer arithmetic, the same on both databases.
    median_rank = (ranked.c.n + 1) // 2
    p90_rank = (ranked.c.n * 9 + 9) // 10
    rows = await session.execute(
        select(
            ranked.c.key,
            func.max(ranked.c.n),
            func.max(case((ranked.c.rank == median_rank, ranked.c.value))),
            func.max(case((ranked.c.rank == p90_rank, ranked.c.value))),
        )
        .where(or_(ranked.c.rank == median_rank, ranked.c.rank == p90_rank))
        .group_by(ranked.c.key)
    )
    return {key: Spread(n, median, p90) for key, n, median, p90 in rows}


async def response_times(session: AsyncSession, start: datetime, end: datetime) -> Spread:
    found = await _spreads(
        session, Ticket.first_response_seconds, _in(Ticket.first_response_at, start, end)
    )
    return found.get(None, Spread())


async def resolution_times(session: AsyncSession, start: datetime, end: datetime) -> Spread:
    found = await _spreads(session, Ticket.resolution_seconds, _in(Ticket.resolved_at, start, end))
    return found.get(None, Spread())


# --- SLA timers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimerOutcome:
    policy: str
    timer: str  # "first_response" or "resolution"
    met: int
    breached: int
    breaches: tuple[str, ...]  # ticket numbers, at most MAX_LISTED

    @property
    def judged(self) -> int:
        return self.met + self.breached


TIMERS = ("first_response", "resolution")


def timer_columns(timer: str) -> tuple[ColumnElement, ColumnElement, ColumnElement]:
    """The timer's (ended at, deadline, met) columns."""
    if timer == "first_response":
        return Ticket.first_response_at, Ticket.first_response_deadline, Ticket.first_response_met
    return Ticket.resolved_at, Ticket.resolution_deadline, Ticket.resolution_met


def met_and_breached(
    timer: str, as_of: datetime
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A timer is met once it ended in time; breached once it ended late, or is still running
    past its deadline at `as_of`. Neither while it runs within its deadline (pending)."""
    ended_at, deadline, met = timer_columns(timer)
    breached = or_(
        met.is_(False),
        and_(ended_at.is_(None), deadline.is_not(None), deadline < as_of),
    )
    return met.is_(True), breached


async def timer_outcomes(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    as_of: datetime,
    types: Sequence[TicketType] = (),
) -> list[TimerOutcome]:
    """Per policy and timer, over the tickets opened in the period (`types`: only those)."""
    cohort = _in(Ticket.created_at, start, end)
    if types:
        cohort = and_(cohort, Ticket.type.in_(list(types)))
    outcomes: list[TimerOutcome] = []
    for timer in TIMERS:
        met, breached = met_and_breached(timer, as_of)
        rows = await session.execute(
            select(Ticket.sla_policy, func.count().filter(met), func.count().filter(breached))
            .where(cohort, Ticket.sla_policy.is_not(None))
            .group_by(Ticket.sla_policy)
            .order_by(Ticket.sla_policy)
        )
        for policy, met_count, breached_count in rows:
            if not met_count and not breached_count:
                continue
            numbers = await _listed(session, cohort, Ticket.sla_policy == policy, breached)
            outcomes.append(TimerOutcome(policy, timer, met_count, breached_count, numbers))
    return outcomes


@dataclass(frozen=True)
class Share:
    """`part` of `whole`, with the tickets that fell short (at most MAX_LISTED named)."""

    part: int
    whole: int
    short: tuple[str, ...] = ()

    @property
    def ratio(self) -> float | None:
        return self.part / self.whole if self.whole else None


async def share_of_cohort(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    good: ColumnElement[bool],
    bad: ColumnElement[bool],
    where: ColumnElement[bool] | None = None,
) -> Share:
    """Of the tickets opened in the period (and matching `where`), how many are `good`, out of
    those judged (`good` or `bad`); the `bad` ones by number."""
    cohort = _in(Ticket.created_at, start, end)
    if where is not None:
        cohort = and_(cohort, where)
    # A comparison with NULL (an unanswered ticket's waiting time) is unknown, not false.
    good = func.coalesce(good, sa.false())
    bad = func.coalesce(bad, sa.false())
    good_count, bad_count = (
        await session.execute(
            select(func.count().filter(good), func.count().filter(and_(bad, ~good))).where(cohort)
        )
    ).one()
    numbers = await _listed(session, cohort, bad, ~good)
    return Share(good_count, good_count + bad_count, numbers)


async def share_by_day_deadline(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    deadlines: Mapping[int, datetime],
    *,
    as_of: datetime,
    where: ColumnElement[bool] | None = None,
) -> Share:
    """Of the tickets opened in the period, how many were resolved by the deadline of the day
    they opened (`deadlines`: day 0 is `start`'s day)."""
    day = bucket(session, Ticket.created_at, start, 86_400)
    deadline = case(
        {index: sa.literal(moment, UTCDateTime()) for index, moment in deadlines.items()},
        value=day,
    )
    good = and_(Ticket.resolved_at.is_not(None), Ticket.resolved_at <= deadline)
    bad = or_(Ticket.resolved_at > deadline, and_(Ticket.resolved_at.is_(None), deadline < as_of))
    return await share_of_cohort(session, start, end, good=good, bad=bad, where=where)


async def reopened(session: AsyncSession, start: datetime, end: datetime) -> Share:
    """Of the tickets opened in the period and resolved at least once, how many reopened."""
    cohort = _in(Ticket.created_at, start, end)
    resolved_once = or_(Ticket.resolved_at.is_not(None), Ticket.reopened_at.is_not(None))
    part, whole = (
        await session.execute(
            select(
                func.count().filter(Ticket.reopened_at.is_not(None)),
                func.count().filter(resolved_once),
            ).where(cohort)
        )
    ).one()
    numbers = await _listed(session, cohort, Ticket.reopened_at.is_not(None))
    return Share(part, whole, numbers)


# --- surveys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Csat:
    sent: int
    answered: int
    average: float | None
    distribution: dict[int, int] = field(default_factory=dict)  # score 1-5 -> answers


async def csat(session: AsyncSession, start: datetime, end: datetime) -> Csat:
    sent = await session.scalar(select(func.count()).where(_in(TicketSurvey.sent_at, start, end)))
    rows = await session.execute(
        select(TicketSurvey.score, func.count())
        .where(_in(TicketSurvey.answered_at, start, end), TicketSurvey.score.is_not(None))
        .group_by(TicketSurvey.score)
    )
    distribution = {score: count for score, count in rows}
    answered = sum(distribution.values())
    average = (
        sum(score * count for score, count in distribution.items()) / answered
        if answered
        else None
    )
    return Csat(sent or 0, answered, average, {s: distribution.get(s, 0) for s in range(1, 6)})


@dataclass(frozen=True)
class Nps:
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def answered(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> float | None:
        if not self.answered:
            return None
        return 100 * (self.promoters - self.detractors) / self.answered


def _nps_answers(start: datetime, end: datetime, *keys: ColumnElement[Any]) -> Select[Any]:
    """Promoters (9-10), passives (7-8) and detractors (0-6) among the NPS answers given in the
    period, after `keys` (to group by)."""
    answer = CampaignRecipient.answer
    return (
        select(
            *keys,
            func.count().filter(answer >= 9),
            func.count().filter(answer.between(7, 8)),
            func.count().filter(answer <= 6),
        )
        .select_from(CampaignRecipient)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(
            Campaign.kind == CampaignKind.NPS,
            _in(CampaignRecipient.answered_at, start, end),
            answer.is_not(None),
        )
    )


async def nps(session: AsyncSession, start: datetime, end: datetime) -> Nps:
    return Nps(*(await session.execute(_nps_answers(start, end))).one())


async def survey_campaign_runs(
    session: AsyncSession, start: datetime, end: datetime, kinds: Sequence[CampaignKind]
) -> list[datetime]:
    """When campaigns of these kinds sent something in the period (one instant per send)."""
    rows = await session.scalars(
        select(func.min(CampaignRecipient.sent_at))
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(Campaign.kind.in_(list(kinds)), _in(CampaignRecipient.sent_at, start, end))
        .group_by(CampaignRecipient.run_id)
    )
    return sorted(rows)


# --- self-service and staff ---------------------------------------------------------------------


async def self_service(session: AsyncSession, start: datetime, end: datetime) -> Share:
    """Consultations the FAQ answered, out of those plus the consultation tickets opened."""
    answered = await session.scalar(
        select(func.count()).where(_in(SelfServiceAnswer.created_at, start, end))
    )
    tickets = await session.scalar(
        select(func.count()).where(
            _in(Ticket.created_at, start, end), Ticket.type == TicketType.CONSULTATION
        )
    )
    return Share(answered or 0, (answered or 0) + (tickets or 0))


@dataclass(frozen=True)
class StaffFigures:
    telegram_id: int
    name: str | None
    handled: int  # tickets resolved in the period with them as the assignee
    first_response: Spread
    csat_average: float | None
    csat_answers: int


async def per_staff(session: AsyncSession, start: datetime, end: datetime) -> list[StaffFigures]:
    assignee = Ticket.assignee_telegram_id
    handled = await session.execute(
        select(assignee, func.max(Ticket.assignee_name), func.count())
        .where(_in(Ticket.resolved_at, start, end), assignee.is_not(None))
        .group_by(assignee)
    )
    spreads = await _spreads(
        session,
        Ticket.first_response_seconds,
        and_(_in(Ticket.first_response_at, start, end), assignee.is_not(None)),
        group=assignee,
    )
    scores = await session.execute(
        select(assignee, func.avg(TicketSurvey.score), func.count())
        .join(Ticket, Ticket.id == TicketSurvey.ticket_id)
        .where(_in(TicketSurvey.answered_at, start, end), TicketSurvey.score.is_not(None))
        .group_by(assignee)
    )
    csat_of = {staff: (float(avg), n) for staff, avg, n in scores}
    figures = [
        StaffFigures(
            staff,
            name,
            count,
            spreads.get(staff, Spread()),
            *csat_of.get(staff, (None, 0)),
        )
        for staff, name, count in handled
    ]
    return sorted(figures, key=lambda f: (-f.handled, f.name or ""))


# --- series for the charts ----------------------------------------------------------------------


async def opened_per_slice(
    session: AsyncSession, start: datetime, end: datetime, seconds: int
) -> dict[tuple[int, str], int]:
    """(slice, type) -> tickets opened, slices of `seconds` from `start`."""
    slice_ = bucket(session, Ticket.created_at, start, seconds)
    rows = await session.execute(
        select(slice_, Ticket.type, func.count())
        .where(_in(Ticket.created_at, start, end))
        .group_by(slice_, Ticket.type)
    )
    return {(index, str(kind)): count for index, kind, count in rows}


async def response_histogram(
    session: AsyncSession, start: datetime, end: datetime, edges_seconds: Sequence[int]
) -> list[int]:
    """First responses in the period per bucket [edges[i], edges[i + 1]), the last open."""
    value = Ticket.first_response_seconds
    index = case(
        *[(value < edge, position) for position, edge in enumerate(edges_seconds[1:])],
        else_=len(edges_seconds) - 1,
    )
    rows = await session.execute(
        select(index, func.count())
        .where(_in(Ticket.first_response_at, start, end), value.is_not(None))
        .group_by(index)
    )
    found = dict(rows.all())
    return [found.get(position, 0) for position in range(len(edges_seconds))]


async def timers_per_slice(
    session: AsyncSession, start: datetime, end: datetime, seconds: int, *, as_of: datetime
) -> dict[int, tuple[int, int]]:
    """slice -> (timers met, timers breached) of the tickets opened in that slice."""
    slice_ = bucket(session, Ticket.created_at, start, seconds)
    totals: dict[int, tuple[int, int]] = {}
    for timer in TIMERS:
        met, breached = met_and_breached(timer, as_of)
        rows = await session.execute(
            select(slice_, func.count().filter(met), func.count().filter(breached))
            .where(_in(Ticket.created_at, start, end))
            .group_by(slice_)
        )
        for index, met_count, breached_count in rows:
            before = totals.get(index, (0, 0))
            totals[index] = (before[0] + met_count, before[1] + breached_count)
    return totals


async def csat_per_slice(
    session: AsyncSession, start: datetime, end: datetime, seconds: int
) -> dict[int, float]:
    slice_ = bucket(session, TicketSurvey.answered_at, start, seconds)
    rows = await session.execute(
        select(slice_, func.avg(TicketSurvey.score))
        .where(_in(TicketSurvey.answered_at, start, end), TicketSurvey.score.is_not(None))
        .group_by(slice_)
    )
    return {index: float(value) for index, value in rows}


async def nps_per_slice(
    session: AsyncSession, start: datetime, end: datetime, seconds: int
) -> dict[int, Nps]:
    slice_ = bucket(session, CampaignRecipient.answered_at, start, seconds)
    rows = await session.execute(_nps_answers(start, end, slice_).group_by(slice_))
    return {index: Nps(p, q, d) for index, p, q, d in rows}
