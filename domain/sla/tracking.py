"""Keeps a ticket's SLA columns in step with the ticket: the hook `storage.db.Database` runs on
every flush, and the reading of a stored ticket into `domain.sla.timers` values.

Install once, where the configuration is known:

    Database(url, on_ticket_flush=sla_flush_hook(config, zone))
    # or, on a Database built already:  db.on_ticket_flush = sla_flush_hook(config, zone)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from domain.sla.calendar import BusinessCalendar, ClockKind, business_time_between
from domain.sla.timers import (
    AlertPoint,
    Change,
    Policy,
    SlaState,
    TicketFacts,
    WarningRules,
    alert_points,
    recompute,
)
from storage.db import TicketFlush, TicketFlushHook
from storage.models import Ticket

if TYPE_CHECKING:
    from bot.business_config import BusinessConfig

logger = logging.getLogger("kefu.sla")
EMERGENCY_POLICY = "emergency"  # `tickets.sla_policy` of an emergency: `[sla.emergency]`


@dataclass(frozen=True)
class SlaRules:
    """The configuration the timers need: policies, warning points and the calendar."""

    config: BusinessConfig
    calendar: BusinessCalendar

    @classmethod
    def of(cls, config: BusinessConfig, zone: ZoneInfo) -> SlaRules:
        return cls(config, config.business_hours.calendar(zone))

    @property
    def warnings(self) -> WarningRules:
        sla = self.config.sla
        return WarningRules(tuple(sla.warn_at_percent), tuple(sla.warn_lead_times))

    def policy(self, ticket: Ticket) -> Policy | None:
        if ticket.emergency_at is not None:
            return self.config.sla.emergency
        return self.config.sla.policy_for(ticket.type, ticket.priority)

    def policy_name(self, ticket: Ticket) -> str | None:
        if ticket.emergency_at is not None:
            return EMERGENCY_POLICY
        found = self.config.sla.policy_key_for(ticket.type, ticket.priority)
        return None if found is None else ".".join(found)

    def clock(self, ticket: Ticket) -> ClockKind:
        policy = self.policy(ticket)
        return policy.clock if policy else ClockKind.CALENDAR


def sla_flush_hook(config: BusinessConfig, zone: ZoneInfo) -> TicketFlushHook:
    """The `Database.on_ticket_flush` that recomputes a ticket's timers when it changes."""
    rules = SlaRules.of(config, zone)

    def on_ticket_flush(flush: TicketFlush) -> None:
        try:
            track(flush, rules)
        except ValueError:
            # A calendar without working time left, say: keep the ticket's change, lose the
            # timer update, and say so, rather than failing the customer's or staff's action.
            logger.exception("SLA timers of ticket %s not updated", flush.ticket.number)

    return on_ticket_flush


def track(flush: TicketFlush, rules: SlaRules) -> None:
    ticket = flush.ticket
    change = Change(
        created=flush.is_new,
        reopened="reopened_at" in flush.changed and ticket.reopened_at is not None,
        policy_changed=bool({"type", "priority"} & flush.changed),
        emergency="emergency_at" in flush.changed and ticket.emergency_at is not None,
    )
    state = state_of(ticket)
    new = recompute(
        state,
        facts_of(ticket),
        change,
        now=flush.now,
        policy=rules.policy(ticket),
        rules=rules.warnings,
        calendar=rules.calendar,
    )
    if new is not state:
        write_state(ticket, new)
    record_outcomes(ticket, state, rules)


def record_outcomes(ticket: Ticket, before: SlaState, rules: SlaRules) -> None:
    """Keep what reports judge the ticket by (see the columns in `storage.models.Ticket`).

    A deadline is remembered while its timer runs, so that once the timer stops (and the live
    due time is cleared) the report can still tell whether it was met. A resolution reached
    while the clock was paused on the customer counts from the pause: the clock stopped there.
    """
    _set(ticket, "sla_policy", rules.policy_name(ticket))
    if ticket.first_response_due_at is not None:
        _set(ticket, "first_response_deadline", ticket.first_response_due_at)
    if ticket.resolution_due_at is not None:
        _set(ticket, "resolution_deadline", ticket.resolution_due_at)
    answered = ticket.first_response_at
    if answered is not None and ticket.first_response_seconds is None:
        deadline = ticket.first_response_deadline
        _set(ticket, "first_response_met", None if deadline is None else answered <= deadline)
        waited = business_time_between(ticket.created_at, answered, rules.calendar)
        _set(ticket, "first_response_seconds", round(waited.total_seconds()))
    resolved = ticket.resolved_at
    if resolved is None:
        _set(ticket, "resolution_met", None)
        _set(ticket, "resolution_seconds", None)
    elif ticket.resolution_seconds is None:
        deadline = ticket.resolution_deadline
        stopped = before.resolution_paused_at or resolved
        _set(ticket, "resolution_met", None if deadline is None else stopped <= deadline)
        waited = business_time_between(ticket.created_at, resolved, rules.calendar)
        _set(ticket, "resolution_seconds", round(waited.total_seconds()))


def _set(ticket: Ticket, name: str, value: object) -> None:
    if getattr(ticket, name) != value:  # an unchanged value must not dirty the row
        setattr(ticket, name, value)


def facts_of(ticket: Ticket) -> TicketFacts:
    return TicketFacts(
        status=ticket.status,
        created_at=ticket.created_at,
        first_response_at=ticket.first_response_at,
        reopened_at=ticket.reopened_at,
        emergency_at=ticket.emergency_at,
    )


def state_of(ticket: Ticket) -> SlaState:
    return SlaState(
        first_response_due_at=ticket.first_response_due_at,
        first_response_version=ticket.first_response_version or 0,
        resolution_due_at=ticket.resolution_due_at,
        resolution_started_at=ticket.resolution_started_at,
        resolution_used=timedelta(seconds=ticket.resolution_used_seconds or 0),
        resolution_paused_at=ticket.resolution_paused_at,
        resolution_version=ticket.resolution_version or 0,
        sla_version=ticket.sla_version or 0,
        next_alert_at=ticket.next_alert_at,
    )


def write_state(ticket: Ticket, state: SlaState) -> None:
    values = {
        "first_response_due_at": state.first_response_due_at,
        "first_response_version": state.first_response_version,
        "resolution_due_at": state.resolution_due_at,
        "resolution_started_at": state.resolution_started_at,
        "resolution_used_seconds": round(state.resolution_used.total_seconds()),
        "resolution_paused_at": state.resolution_paused_at,
        "resolution_version": state.resolution_version,
        "sla_version": state.sla_version,
        "next_alert_at": state.next_alert_at,
    }
    for name, value in values.items():
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)


def points_of(ticket: Ticket, rules: SlaRules) -> list[AlertPoint]:
    """The warnings and breaches of the ticket's running timers, as stored."""
    return alert_points(
        state_of(ticket),
        facts_of(ticket),
        clock=rules.clock(ticket),
        rules=rules.warnings,
        calendar=rules.calendar,
    )
