"""The metrics a contract clause can be measured by, in a registry others can add to.

A clause in the business TOML names a metric, its parameters and a target
(`[[compliance.clauses]]`, see bot/default_config.toml). Each metric here says how to check its
parameters (at start-up, so a typo fails the deployment, not the report) and how to measure a
period. Care features (follow-up visits, service records, training events) add theirs with
`@metric("name")` in their own module, imported by `domain.reports.compliance`; the report
code never changes for a new metric.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from domain.reports.periods import Period, midnight
from domain.sla.calendar import BusinessCalendar, add_business_time, add_working_days
from domain.sla.durations import DurationKind, SlaDuration, parse_duration
from storage import reports
from storage.enums import TicketType
from storage.models import Ticket
from storage.survey_models import CampaignKind


@dataclass(frozen=True)
class Scope:
    """What a measurement is about: the period, when it is made, and the business calendar."""

    session: AsyncSession
    period: Period
    as_of: datetime
    calendar: BusinessCalendar


@dataclass(frozen=True)
class Measurement:
    value: float | None  # None: nothing happened in the period to judge by
    met: bool | None  # None with `value`
    part: int | None = None  # the counts behind a share
    whole: int | None = None
    offenders: tuple[str, ...] = ()  # ticket numbers (or, for `survey_every`, the periods)
    # Of `part`, how many the customers answered, for a metric of messages that ask something
    # (`followups_done`: visits sent, and answered); None where nothing was asked.
    answered: int | None = None


class Metric(Protocol):
    unit: str  # "share" (0..1), "score" (an average) or "count" (a whole number)
    at_most: bool  # the target is a ceiling (a reopen rate), not a floor

    def check(self, params: Mapping[str, Any], target: float) -> None:
        """Raise ValueError, in words for whoever edits the TOML, if the clause is wrong."""

    async def measure(
        self, scope: Scope, params: Mapping[str, Any], target: float
    ) -> Measurement: ...


METRICS: dict[str, Metric] = {}


def metric(name: str) -> Callable[[type], type]:
    def register(cls: type) -> type:
        METRICS[name] = cls()
        return cls

    return register


def _judged(share: reports.Share, target: float, *, at_most: bool = False) -> Measurement:
    ratio = share.ratio
    met = None if ratio is None else (ratio <= target if at_most else ratio >= target)
    return Measurement(ratio, met, share.part, share.whole, share.short)


def _share_target(target: float) -> None:
    if not 0 <= target <= 1:
        raise ValueError(f"target {target}: a share is written 0.95 for 95 %")


def _duration(params: Mapping[str, Any]) -> SlaDuration:
    if "within" not in params:
        raise ValueError('needs params.within, like "2h" or "5wd"')
    return parse_duration(str(params["within"]))


def ticket_types(params: Mapping[str, Any]) -> list[TicketType]:
    """A clause's `params.types`: the ticket types it is limited to (none: all)."""
    try:
        return [TicketType(kind) for kind in params.get("types", [])]
    except ValueError as error:
        raise ValueError(f"params.types: {error}") from None


def _check_keys(params: Mapping[str, Any], allowed: set[str]) -> None:
    if unknown := sorted(set(params) - allowed):
        raise ValueError(
            f"unknown params {', '.join(unknown)}; known: {', '.join(sorted(allowed))}"
        )


def _cohort_filter(params: Mapping[str, Any]) -> Any:
    types = ticket_types(params)
    return Ticket.type.in_(types) if types else None


def latest_start(as_of: datetime, within: timedelta, calendar: BusinessCalendar) -> datetime:
    """The latest instant from which `within` of working time has passed by `as_of`: a ticket
    opened before it and still waiting has waited too long. Found by halving the interval
    (`add_business_time` only goes forward), to the second."""
    low = as_of - within - timedelta(days=400)  # far enough back for any real calendar
    high = as_of
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if add_business_time(middle, within, calendar) <= as_of:
            low = middle
        else:
            high = middle
    return low


def _day_deadlines(scope: Scope, days: int) -> dict[int, datetime]:
    """Day index in the period -> the deadline of a ticket opened that day: N working days
    from a ticket's opening depends only on the date it opened (`add_working_days`)."""
    period = scope.period
    return {
        index: add_working_days(midnight(day, period.zone), days, scope.calendar)
        for index, day in enumerate(period.day_starts())
    }


@metric("first_response_within")
class FirstResponseWithin:
    """The share of tickets opened in the period first answered within `within` of working
    time (business hours); `types` limits it to some ticket types."""

    unit = "share"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        _check_keys(params, {"within", "types"})
        if _duration(params).kind is not DurationKind.TIME:
            raise ValueError('params.within: a first response is timed in hours, like "2h"')
        ticket_types(params)
        _share_target(target)

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        within = _duration(params).as_timedelta()
        seconds = within.total_seconds()
        cutoff = latest_start(scope.as_of, within, scope.calendar)
        share = await reports.share_of_cohort(
            scope.session,
            scope.period.start,
            scope.period.end,
            good=Ticket.first_response_seconds <= seconds,
            bad=(Ticket.first_response_seconds > seconds)
            | (Ticket.first_response_at.is_(None) & (Ticket.created_at < cutoff)),
            where=_cohort_filter(params),
        )
        return _judged(share, target)


@metric("resolution_within")
class ResolutionWithin:
    """The share of tickets opened in the period resolved within `within`: working time
    ("48h") or working days ("5wd": by close of business on the fifth working day after the
    day it opened)."""

    unit = "share"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        _check_keys(params, {"within", "types"})
        _duration(params)
        ticket_types(params)
        _share_target(target)

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        duration = _duration(params)
        period = scope.period
        if duration.kind is DurationKind.TIME:
            within = duration.as_timedelta()
            cutoff = latest_start(scope.as_of, within, scope.calendar)
            good = Ticket.resolution_seconds <= within.total_seconds()
            bad = (Ticket.resolution_seconds > within.total_seconds()) | (
                Ticket.resolved_at.is_(None) & (Ticket.created_at < cutoff)
            )
            share = await reports.share_of_cohort(
                scope.session,
                period.start,
                period.end,
                good=good,
                bad=bad,
                where=_cohort_filter(params),
            )
            return _judged(share, target)
        share = await reports.share_by_day_deadline(
            scope.session,
            period.start,
            period.end,
            _day_deadlines(scope, duration.value),
            as_of=scope.as_of,
            where=_cohort_filter(params),
        )
        return _judged(share, target)


@metric("complaints_handled")
class ComplaintsHandled:
    """The share of complaints opened in the period resolved within their SLA target."""

    unit = "share"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        _check_keys(params, set())
        _share_target(target)

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        met, breached = reports.met_and_breached("resolution", scope.as_of)
        share = await reports.share_of_cohort(
            scope.session,
            scope.period.start,
            scope.period.end,
            good=met,
            bad=breached,
            where=Ticket.type == TicketType.COMPLAINT,
        )
        return _judged(share, target)


@metric("reopen_rate_at_most")
class ReopenRateAtMost:
    """The share of tickets opened and resolved in the period that were reopened."""

    unit = "share"
    at_most = True

    def check(self, params: Mapping[str, Any], target: float) -> None:
        _check_keys(params, set())
        _share_target(target)

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        share = await reports.reopened(scope.session, scope.period.start, scope.period.end)
        return _judged(share, target, at_most=True)


@metric("csat_at_least")
class CsatAtLeast:
    """The average of the after-ticket ratings (1-5 stars) given in the period."""

    unit = "score"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        _check_keys(params, set())
        if not 1 <= target <= 5:
            raise ValueError(f"target {target}: an average rating is between 1 and 5")

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        found = await reports.csat(scope.session, scope.period.start, scope.period.end)
        if found.average is None:
            return Measurement(None, None)
        return Measurement(found.average, found.average >= target, found.answered, found.answered)


@metric("survey_every")
class SurveyEvery:
    """A satisfaction survey campaign (CSAT or NPS, `kinds`) sent in every calendar quarter
    (or month, `every`) that the period covers; the offenders are the quarters without one."""

    unit = "share"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        _check_keys(params, {"every", "kinds"})
        if params.get("every", "quarter") not in ("quarter", "month"):
            raise ValueError('params.every: "quarter" or "month"')
        try:
            [CampaignKind(kind) for kind in params.get("kinds", ["csat", "nps"])]
        except ValueError as error:
            raise ValueError(f"params.kinds: {error}") from None
        _share_target(target)

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        kinds = [CampaignKind(kind) for kind in params.get("kinds", ["csat", "nps"])]
        every = params.get("every", "quarter")
        period = scope.period
        sends = await reports.survey_campaign_runs(scope.session, period.start, period.end, kinds)
        zone = period.zone
        covered = {_calendar_slice(day, every) for day in period.day_starts()}
        surveyed = {_calendar_slice(sent.astimezone(zone).date(), every) for sent in sends}
        missing = tuple(sorted(covered - surveyed))
        share = reports.Share(len(covered) - len(missing), len(covered), missing)
        return _judged(share, target)


def _calendar_slice(day: date, every: str) -> str:
    if every == "month":
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
