"""Sentences several handlers share: names of ticket types, statuses and date problems."""

from __future__ import annotations

from bot.context import KefuContext
from bot.i18n import Translator
from bot.rules.dates import DateProblem
from storage.enums import Priority, TicketStatus, TicketType


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


def ticket_type_name(t: Translator, ticket_type: TicketType) -> str:
    return {
        TicketType.CONSULTATION: t.t("Consultation"),
        TicketType.REPAIR: t.t("Repair"),
        TicketType.MAINTENANCE: t.t("Maintenance"),
        TicketType.INSTALLATION: t.t("Installation"),
        TicketType.RETURN: t.t("Return"),
        TicketType.EXCHANGE: t.t("Exchange"),
        TicketType.COMPLAINT: t.t("Complaint"),
    }[ticket_type]


def status_name(t: Translator, status: TicketStatus) -> str:
    return {
        TicketStatus.OPEN: t.t("Open"),
        TicketStatus.WAITING_CUSTOMER: t.t("Waiting for your reply"),
        TicketStatus.RESOLVED: t.t("Resolved"),
        TicketStatus.CLOSED: t.t("Closed"),
    }[status]


def priority_name(t: Translator, priority: Priority) -> str:
    return {
        Priority.LOW: t.t("Low"),
        Priority.NORMAL: t.t("Normal"),
        Priority.HIGH: t.t("High"),
        Priority.URGENT: t.t("Urgent"),
    }[priority]
