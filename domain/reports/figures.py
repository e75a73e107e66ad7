"""A period's figures beside the previous period's, its compliance, and its chart series.

Everything is read in one read-only transaction per period from `storage.reports`; see there
for who is counted in each figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.services import Kefu
from domain.reports import series
from domain.reports.compliance import ClauseResult, measure_clauses
from domain.reports.metrics import Scope
from domain.reports.periods import Period
from domain.sla.durations import DurationKind
from storage import customer_notes, emergencies, reports, visits
from storage.enums import TicketType
from storage.models import Ticket

WEEK = 7 * 86_400
# First-response histogram buckets, in minutes: the last is open-ended.
RESPONSE_EDGES_MINUTES = (0, 15, 30, 60, 120, 240, 480, 1440)


@dataclass(frozen=True)
class Figures:
    period: Period
    tickets: reports.TicketCounts
    first_response: reports.Spread
    resolution: reports.Spread
    timers: list[reports.TimerOutcome]
    reopened: reports.Share
    csat: reports.Csat
    nps: reports.Nps
    complaints: reports.Share
    self_service: reports.Share
    staff: list[reports.StaffFigures]
    compliance: list[ClauseResult]
    # Of the follow-up visits answered in the period, those answered "the problem is back".
    repeat_problems: reports.Share
    # The visits of the tickets resolved in the period: due, sent, answered (`followups_done`).
    followups: visits.VisitCounts
    # Tickets opened per tag of their customer (/tag), most first.
    by_customer_tag: list[tuple[str, int]] = field(default_factory=list)
    # Raised in the period, with how soon staff answered and the cause they found.
    emergencies: emergencies.Emergencies = field(
        default_factory=lambda: emergencies.Emergencies(0, ())
    )

    @property
    def is_empty(self) -> bool:
        """Nothing happened: no ticket, no answer, no survey, no follow-up visit answered."""
        return (
            not self.tickets.opened
            and not self.tickets.resolved
            and not self.tickets.closed
            and not self.csat.answered
            and not self.nps.answered
            and not self.self_service.part
            and not self.repeat_problems.whole  # a visit answered is news too
        )


@dataclass(frozen=True)
class Report:
    current: Figures
    previous: Figures
    as_of: datetime


async def gather(kefu: Kefu, period: Period, *, as_of: datetime) -> Figures:
    start, end = period.start, period.end
    async with kefu.db.read_only() as session:
        met, breached = reports.met_and_breached("resolution", as_of)
        return Figures(
            period=period,
            tickets=await reports.ticket_counts(session, start, end),
            first_response=await reports.response_times(session, start, end),
            resolution=await reports.resolution_times(session, start, end),
            timers=await reports.timer_outcomes(session, start, end, as_of=as_of),
            reopened=await reports.reopened(session, start, end),
            csat=await reports.csat(session, start, end),
            nps=await reports.nps(session, start, end),
            complaints=await reports.share_of_cohort(
                session,
                start,
                end,
                good=met,
                bad=breached,
                where=Ticket.type == TicketType.COMPLAINT,
            ),
            self_service=await reports.self_service(session, start, end),
            staff=await reports.per_staff(session, start, end),
            repeat_problems=await visits.repeat_problem_share(session, start, end),
            followups=await visits.counts(session, start, end),
            by_customer_tag=await customer_notes.tickets_per_tag(session, start, end),
            emergencies=await emergencies.raised_between(session, start, end),
            compliance=await measure_clauses(
                Scope(session, period, as_of, kefu.calendar), kefu.config.compliance.clauses
            ),
        )


async def report(kefu: Kefu, period: Period, *, as_of: datetime | None = None) -> Report:
    """The period's figures and the previous period's, as known at `as_of` (now)."""
    as_of = as_of or kefu.clock.now()
    current = await gather(kefu, period, as_of=as_of)
    previous = await gather(kefu, period.previous(), as_of=as_of)
    return Report(current, previous, as_of)


# --- chart series -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSeries:
    volume: series.DailyVolume
    response: series.ResponseHistogram
    compliance: series.WeeklyCompliance
    satisfaction: series.SatisfactionTrend


async def chart_series(
    kefu: Kefu, period: Period, type_label: dict[str, str], *, as_of: datetime
) -> ChartSeries:
    """The four charts' values; `type_label` names ticket types in the reader's language."""
    start, end = period.start, period.end
    days = period.day_starts()
    weeks = [days[index] for index in range(0, len(days), 7)]
    week_labels = [f"{day.month:02d}-{day.day:02d}" for day in weeks]
    edges = [minutes * 60 for minutes in RESPONSE_EDGES_MINUTES]
    async with kefu.db.read_only() as session:
        opened = await reports.opened_per_slice(session, start, end, 86_400)
        histogram = await reports.response_histogram(session, start, end, edges)
        timers = await reports.timers_per_slice(session, start, end, WEEK, as_of=as_of)
        csat = await reports.csat_per_slice(session, start, end, WEEK)
        nps = await reports.nps_per_slice(session, start, end, WEEK)
    kinds = sorted({kind for _, kind in opened}, key=list(TicketType).index)
    volume = series.DailyVolume(
        days,
        {
            type_label.get(kind, kind): [opened.get((n, kind), 0) for n in range(len(days))]
            for kind in kinds
        },
    )
    response = series.ResponseHistogram(
        [float(m) for m in RESPONSE_EDGES_MINUTES], histogram, _default_target_minutes(kefu)
    )
    compliance = series.WeeklyCompliance(
        week_labels,
        [_percent(*timers.get(n, (0, 0))) for n in range(len(weeks))],
    )
    satisfaction = series.SatisfactionTrend(
        week_labels,
        [csat.get(n) for n in range(len(weeks))],
        [nps[n].score if n in nps else None for n in range(len(weeks))],
    )
    return ChartSeries(volume, response, compliance, satisfaction)


def _default_target_minutes(kefu: Kefu) -> float | None:
    """The first-response target of the default policy, the one most tickets fall under."""
    policy = kefu.config.sla.policy_named("default.default")
    target = policy.first_response if policy is not None else None
    if target is None or target.kind is not DurationKind.TIME:
        return None
    return target.as_timedelta() / timedelta(minutes=1)


def _percent(met: int, breached: int) -> float | None:
    return 100 * met / (met + breached) if met + breached else None
