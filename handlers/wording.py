"""Sentences several customer handlers share: statuses and date problems.

Ticket types and priorities read the same for customers and staff: see `bot.desk_card`.
"""

from __future__ import annotations

from bot.context import KefuContext
from bot.i18n import Translator
from bot.rules.dates import DateProblem
from storage.enums import TicketStatus


def date_problem_text(context: KefuContext, problem: DateProblem) -> str:
    t = context.t.t
    return {
        DateProblem.UNREADABLE: t(
            "I could not read that date. "
            "Please write it like 2025-03-01, 1/3/2025 or 2025年3月1日."
        ),
        DateProblem.IN_THE_FUTURE: t("That date is in the future. Please check it."),
        DateProblem.TOO_OLD: t("That date is very long ago. Please check the year."),
    }[problem]


def status_name(t: Translator, status: TicketStatus) -> str:
    """A ticket's status as its customer reads it (staff see `desk_card.status_name`)."""
    return {
        TicketStatus.OPEN: t.t("Open"),
        TicketStatus.WAITING_CUSTOMER: t.t("Waiting for your reply"),
        TicketStatus.RESOLVED: t.t("Resolved"),
        TicketStatus.CLOSED: t.t("Closed"),
    }[status]
