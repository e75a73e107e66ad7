"""Which ticket events are triggers, and the mark that queues them for the rules.

The mark (`TicketEvent.automation_due_at`) is set by a flush hook of the database, in the same
transaction that records the event: a trigger recorded is a trigger the rules will see, even if
Kefu dies the moment after, and no caller can forget to queue one. Only the triggers some rule
listens to are marked, so a deployment without rules writes nothing more.
"""

from __future__ import annotations

from domain.automation.config import AutomationConfig, Trigger
from storage.db import EventHook
from storage.enums import EventKind
from storage.models import TicketEvent
from storage.sla import BREACH


def trigger_of(event: TicketEvent, *, low_score: int) -> Trigger | None:
    """The trigger this event is, if any. `low_score`: the CSAT score at or below which an
    answer is a low one ([surveys] low_score_threshold)."""
    match event.kind:
        case EventKind.CREATED:
            return Trigger.TICKET_CREATED
        case EventKind.CUSTOMER_MESSAGE:
            return Trigger.CUSTOMER_WROTE
        case EventKind.ALERT:
            # SLA levels are "warn75", "warn-30m" and "breach"; an emergency's own alert (and
            # its question for the cause) are alerts too, but no SLA trigger.
            level = str((event.data or {}).get("level", ""))
            if level == BREACH:
                return Trigger.SLA_BREACH
            if level.startswith("warn"):
                return Trigger.SLA_WARNING
        case EventKind.SURVEY:
            score = (event.data or {}).get("score")
            if isinstance(score, int) and score <= low_score:
                return Trigger.LOW_CSAT
    return None


def marking_hook(config: AutomationConfig, *, low_score: int) -> EventHook:
    wanted = config.triggers

    def mark(event: TicketEvent) -> None:
        if trigger_of(event, low_score=low_score) in wanted:
            event.automation_due_at = event.created_at

    return mark
