"""What we promise a customer when their ticket opens: the first-response due time."""

from __future__ import annotations

from datetime import datetime

from bot.services import Kefu
from domain.sla.deadlines import due_at
from storage.enums import Priority, TicketType


def first_response_due(
    kefu: Kefu, ticket_type: TicketType, priority: Priority, opened_at: datetime
) -> datetime | None:
    """None when no policy sets a first-response target for this kind of ticket."""
    policy = kefu.config.sla.policy_for(ticket_type, priority)
    if policy is None or policy.first_response is None:
        return None
    return due_at(opened_at, policy.first_response, policy.clock, kefu.calendar)
