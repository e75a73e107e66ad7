"""Sentences several customer handlers share: date problems.

Ticket types, priorities and statuses are named in `domain.desk.wording`.
"""

from __future__ import annotations

from bot.context import KefuContext
from domain.rules.dates import DateProblem


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
