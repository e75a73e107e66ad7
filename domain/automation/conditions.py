"""Whether a rule's conditions hold for a ticket at its trigger."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from domain.automation.config import Conditions
from domain.sla.calendar import BusinessCalendar
from storage.models import Ticket


@dataclass(frozen=True, slots=True)
class Moment:
    """What the conditions look at: the ticket as it is now, and its trigger."""

    ticket: Ticket
    text: str | None  # the trigger's words (the request, the message), None if it has none
    at: datetime  # when the trigger happened
    tags: frozenset[str]  # the customer's tags


def holds(conditions: Conditions, moment: Moment, calendar: BusinessCalendar) -> bool:
    ticket = moment.ticket
    checks = (
        conditions.type is None or ticket.type in conditions.type,
        conditions.product is None or ticket.product_id in conditions.product,
        conditions.language is None or ticket.customer.language in conditions.language,
        conditions.priority is None or ticket.priority in conditions.priority,
        conditions.tag is None or bool(moment.tags & set(conditions.tag)),
        conditions.business_hours is None
        or is_open(calendar, moment.at) == conditions.business_hours,
    )
    return all(checks) and _text_matches(conditions, moment.text)


def _text_matches(conditions: Conditions, text: str | None) -> bool:
    if not conditions.reads_text:
        return True
    if text is None:  # no words (a file, an erased message): no keyword is in it
        return False
    if conditions.keywords and not any(
        word.casefold() in text.casefold() for word in conditions.keywords
    ):
        return False
    return conditions.regex is None or re.search(conditions.regex, text) is not None


def is_open(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether the desk is within its working hours at `at`."""
    local_day = at.astimezone(calendar.tz).date()
    return any(start <= at < end for start, end in calendar.utc_intervals(local_day))
