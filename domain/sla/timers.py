"""A ticket's SLA timers as plain values: what to store after a change, and when to alert.

Pure functions, no database: `domain.sla.tracking` reads a ticket into `TicketFacts` and
`SlaState`, calls `recompute`, and writes the result back on every flush.

- First response: runs from the ticket's opening (or reopening) until the first staff reply.
- Resolution: runs from the same start until the ticket is resolved, in spells: waiting on the
  customer pauses it and the customer's reply resumes it with the time it had left
  (`resume_due_at`). `resolution_used` is the clock time of the spells before the current one,
  so warnings keep their place in the whole target ("75 %" means 75 % of the target used).
- A priority or type change recomputes running deadlines from the timers' start under the new
  policy; reopening restarts both; resolved or closed tickets have no running timers.
- Every new deadline takes a new `sla_version`; a timer remembers the version of its deadline,
  and alerts are keyed on it, so a changed deadline alerts afresh and an unchanged one never
  twice. Warnings of a new deadline that are already past come due at once (the scanner sends
  only the latest of them), a breach too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from domain.sla.calendar import ZERO, BusinessCalendar, ClockKind, add_time, time_between
from domain.sla.deadlines import due_at, resume_due_at
from domain.sla.durations import SlaDuration
from storage.enums import TicketStatus

BREACH = "breach"
ONE_MINUTE = timedelta(minutes=1)


class Timer(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class Policy(Protocol):
    """The targets of one ticket type and priority (`bot.business_config.SlaPolicy`)."""

    @property
    def clock(self) -> ClockKind: ...
    @property
    def first_response(self) -> SlaDuration | None: ...
    @property
    def resolution(self) -> SlaDuration | None: ...


@dataclass(frozen=True)
class WarningRules:
    """When to warn: at these shares of a target, and this long before it is due."""

    at_percent: tuple[int, ...] = (75,)
    before: tuple[timedelta, ...] = (timedelta(minutes=30),)


@dataclass(frozen=True)
class TicketFacts:
    """What the timers depend on, read from the ticket."""

    status: TicketStatus
    created_at: datetime
    first_response_at: datetime | None = None
    reopened_at: datetime | None = None
    emergency_at: datetime | None = None

    @property
    def timers_start(self) -> datetime:
        """An emergency's targets count from the moment it was raised (unless reopened since)."""
        start = self.reopened_at or self.created_at
        return max(start, self.emergency_at) if self.emergency_at is not None else start


@dataclass(frozen=True)
class Change:
    """What happened to the ticket since its state was last computed (beyond its status)."""

    created: bool = False
    reopened: bool = False
    policy_changed: bool = False  # type or priority
    emergency: bool = False  # raised: both timers start again under the emergency policy


@dataclass(frozen=True)
class SlaState:
    """The timer columns of a ticket (see `storage.models.Ticket`)."""

    first_response_due_at: datetime | None = None
    first_response_version: int = 0
    resolution_due_at: datetime | None = None
    resolution_started_at: datetime | None = None
    resolution_used: timedelta = ZERO
    resolution_paused_at: datetime | None = None
    resolution_version: int = 0
    sla_version: int = 0
    next_alert_at: datetime | None = None

    @property
    def has_running_timer(self) -> bool:
        resolution = self.resolution_due_at is not None and self.resolution_paused_at is None
        return self.first_response_due_at is not None or resolution

    def timers(self) -> tuple[object, ...]:
        """Everything but `next_alert_at`: equal tuples mean the timers did not change."""
        return (
            self.first_response_due_at,
            self.first_response_version,
            self.resolution_due_at,
            self.resolution_started_at,
            self.resolution_used,
            self.resolution_paused_at,
            self.resolution_version,
            self.sla_version,
        )


@dataclass(frozen=True)
class AlertPoint:
    """One alert of a running timer: `level` is "warn75", "warn-30m" or "breach"."""

    timer: Timer
    level: str
    at: datetime
    due: datetime
    version: int

    @property
    def is_breach(self) -> bool:
        return self.level == BREACH

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.timer.value, self.level, self.version)


def recompute(
    state: SlaState,
    facts: TicketFacts,
    change: Change,
    *,
    now: datetime,
    policy: Policy | None,
    rules: WarningRules,
    calendar: BusinessCalendar,
) -> SlaState:
    """The timers after `change` at `now`; `state` itself when they did not change.

    Also repairs a state that disagrees with the facts (a first response recorded without the
    hook seeing it, a ticket from before SLA tracking), so calling it twice changes nothing.
    """
    if not facts.status.is_active:
        return _same_or(state, _stopped(state))
    restart = change.created or change.reopened or change.emergency
    recalculate = restart or change.policy_changed
    first_due = _first_response_due(state, facts, policy, recalculate, calendar)
    resolution = _resolution(state, facts, policy, restart, change.policy_changed, now, calendar)
    new = replace(resolution, first_response_due_at=first_due)
    if new.timers() == state.timers():
        return state
    first_moved = first_due is not None and first_due != state.first_response_due_at
    resolution_moved = (
        new.resolution_due_at is not None and new.resolution_due_at != state.resolution_due_at
    )
    if first_moved or resolution_moved:
        version = state.sla_version + 1
        new = replace(
            new,
            sla_version=version,
            first_response_version=version if first_moved else state.first_response_version,
            resolution_version=version if resolution_moved else state.resolution_version,
        )
    moved = {Timer.FIRST_RESPONSE: first_moved, Timer.RESOLUTION: resolution_moved}
    clock = policy.clock if policy else ClockKind.CALENDAR
    points = alert_points(new, facts, clock=clock, rules=rules, calendar=calendar)
    candidates = [p.at for p in points if moved[p.timer] or p.at > now]
    if state.next_alert_at is not None and state.next_alert_at <= now and points:
        # An alert of an unchanged timer may be due and not yet claimed: keep looking.
        candidates.append(state.next_alert_at)
    return replace(new, next_alert_at=min(candidates, default=None))


def _same_or(state: SlaState, new: SlaState) -> SlaState:
    return state if new == state else new


def _stopped(state: SlaState) -> SlaState:
    return replace(
        state,
        first_response_due_at=None,
        resolution_due_at=None,
        resolution_started_at=None,
        resolution_used=ZERO,
        resolution_paused_at=None,
        next_alert_at=None,
    )


def _first_response_due(
    state: SlaState,
    facts: TicketFacts,
    policy: Policy | None,
    recalculate: bool,
    calendar: BusinessCalendar,
) -> datetime | None:
    target = policy.first_response if policy else None
    if policy is None or target is None or facts.first_response_at is not None:
        return None
    if state.first_response_due_at is not None and not recalculate:
        return state.first_response_due_at
    return due_at(facts.timers_start, target, policy.clock, calendar)


def _resolution(
    state: SlaState,
    facts: TicketFacts,
    policy: Policy | None,
    restart: bool,
    policy_changed: bool,
    now: datetime,
    calendar: BusinessCalendar,
) -> SlaState:
    target = policy.resolution if policy else None
    if policy is None or target is None:
        return replace(
            state,
            resolution_due_at=None,
            resolution_started_at=None,
            resolution_used=ZERO,
            resolution_paused_at=None,
        )
    clock, start = policy.clock, facts.timers_start
    waiting = facts.status == TicketStatus.WAITING_CUSTOMER
    if restart or state.resolution_due_at is None or state.resolution_started_at is None:
        return replace(
            state,
            resolution_due_at=due_at(start, target, clock, calendar),
            resolution_started_at=start,
            resolution_used=ZERO,
            resolution_paused_at=now if waiting else None,
        )
    new = state
    if policy_changed:
        span = time_between(clock, start, due_at(start, target, clock, calendar), calendar)
        left = span - state.resolution_used
        spell = state.resolution_started_at
        # A target already used up in an earlier spell was missed at the latest when the
        # current spell began (when exactly is not kept).
        due = add_time(clock, spell, left, calendar) if left > ZERO else spell
        new = replace(new, resolution_due_at=due)
    if waiting and new.resolution_paused_at is None:
        new = replace(new, resolution_paused_at=now)
    elif not waiting and new.resolution_paused_at is not None:
        new = _resumed(new, now, clock, calendar)
    return new


def _resumed(
    state: SlaState, now: datetime, clock: ClockKind, calendar: BusinessCalendar
) -> SlaState:
    assert state.resolution_paused_at is not None
    assert state.resolution_started_at is not None and state.resolution_due_at is not None
    paused = state.resolution_paused_at
    spell = time_between(clock, state.resolution_started_at, paused, calendar)
    return replace(
        state,
        resolution_due_at=resume_due_at(paused, now, state.resolution_due_at, clock, calendar),
        resolution_started_at=now,
        # Whole seconds: what the column keeps, so a reloaded ticket computes the same points.
        resolution_used=state.resolution_used
        + timedelta(seconds=round(max(spell, ZERO).total_seconds())),
        resolution_paused_at=None,
    )


def alert_points(
    state: SlaState,
    facts: TicketFacts,
    *,
    clock: ClockKind,
    rules: WarningRules,
    calendar: BusinessCalendar,
) -> list[AlertPoint]:
    """Every warning and breach of the running timers, by time (paused timers have none).

    A warning sits where its share of the whole target is used: `rules.at_percent` of it, or
    all but `rules.before`. Warnings that fall before the current spell (already handled) or
    before the timer's start (a lead longer than the target) are left out.
    """
    points: list[AlertPoint] = []
    if state.first_response_due_at is not None:
        points += _timer_points(
            Timer.FIRST_RESPONSE,
            state.first_response_version,
            facts.timers_start,
            ZERO,
            state.first_response_due_at,
            clock,
            rules,
            calendar,
        )
    running = state.resolution_paused_at is None and state.resolution_started_at is not None
    if state.resolution_due_at is not None and running:
        assert state.resolution_started_at is not None
        points += _timer_points(
            Timer.RESOLUTION,
            state.resolution_version,
            state.resolution_started_at,
            state.resolution_used,
            state.resolution_due_at,
            clock,
            rules,
            calendar,
        )
    return sorted(points, key=lambda point: (point.at, point.timer, point.level))


def _timer_points(
    timer: Timer,
    version: int,
    spell_start: datetime,
    used: timedelta,
    due: datetime,
    clock: ClockKind,
    rules: WarningRules,
    calendar: BusinessCalendar,
) -> list[AlertPoint]:
    span = used + max(time_between(clock, spell_start, due, calendar), ZERO)
    positions = {f"warn{percent}": span * percent / 100 for percent in rules.at_percent}
    for lead in rules.before:
        positions[f"warn-{SlaDuration.minutes(lead // ONE_MINUTE)}"] = span - lead
    points = [
        AlertPoint(timer, level, add_time(clock, spell_start, at - used, calendar), due, version)
        for level, at in positions.items()
        if used < at < span
    ]
    return [*points, AlertPoint(timer, BREACH, due, due, version)]


def due_points(
    points: Iterable[AlertPoint], now: datetime, claimed: set[tuple[str, str, int]]
) -> list[tuple[AlertPoint, bool]]:
    """The points come due at `now` and not yet claimed, each with whether to send it.

    Per timer only the most serious is sent (a breach, else the latest warning); the others
    are recorded as skipped. After an outage this says "overdue" once, not every warning.
    """
    due = [p for p in points if p.at <= now and p.key not in claimed]
    chosen: dict[Timer, AlertPoint] = {}
    for point in due:
        best = chosen.get(point.timer)
        if best is None or (point.is_breach, point.at) >= (best.is_breach, best.at):
            chosen[point.timer] = point
    return [(point, chosen[point.timer] is point) for point in due]


def next_alert_after(points: Iterable[AlertPoint], now: datetime) -> datetime | None:
    """The scanner's next look at a ticket whose alerts up to `now` are all claimed."""
    return min((point.at for point in points if point.at > now), default=None)
