"""Dates customers type, warranty edges and return windows: the last day inside, the first out."""

from __future__ import annotations

from datetime import date

import pytest

from domain.rules.dates import DateInputError, DateProblem, parse_customer_date
from domain.rules.returns import Resolution, ReturnReason, Verdict, return_eligibility
from domain.rules.warranty import WarrantyStatus, warranty_ends_on, warranty_status

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025-03-01", date(2025, 3, 1)),
        ("1/3/2025", date(2025, 3, 1)),
        ("01/03/2025", date(2025, 3, 1)),
        ("3/25/2025", date(2025, 3, 25)),  # month first only when unambiguous
        ("2025年3月1日", date(2025, 3, 1)),
        ("2025年3月1号", date(2025, 3, 1)),
        ("２０２５年３月１日", date(2025, 3, 1)),
        ("2025/3/1", date(2025, 3, 1)),
        ("2025.03.01", date(2025, 3, 1)),
        ("20250301", date(2025, 3, 1)),
        ("  2026-11-25 ", TODAY),
    ],
)
def test_common_date_formats_are_understood(typed: str, expected: date) -> None:
    assert parse_customer_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("yesterday", DateProblem.UNREADABLE),
        ("2025-02-30", DateProblem.UNREADABLE),
        ("13/13/2025", DateProblem.UNREADABLE),
        ("", DateProblem.UNREADABLE),
        ("2026-11-26", DateProblem.IN_THE_FUTURE),
        ("1990-01-01", DateProblem.TOO_OLD),
    ],
)
def test_bad_dates_are_refused_with_the_reason(typed: str, problem: DateProblem) -> None:
    with pytest.raises(DateInputError) as caught:
        parse_customer_date(typed, TODAY)
    assert caught.value.problem is problem


@pytest.mark.parametrize(
    ("purchase", "months", "last_day"),
    [
        (date(2025, 3, 1), 12, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 28)),  # clamped to 29 Feb, minus a day
        (date(2024, 2, 29), 12, date(2025, 2, 27)),
        (date(2025, 12, 15), 24, date(2027, 12, 14)),
    ],
)
def test_warranty_last_day(purchase: date, months: int, last_day: date) -> None:
    assert warranty_ends_on(purchase, months) == last_day


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (date(2026, 2, 28), WarrantyStatus.IN_WARRANTY),  # the last day inside
        (date(2026, 3, 1), WarrantyStatus.OUT_OF_WARRANTY),  # the first day outside
    ],
)
def test_warranty_edges(today: date, status: WarrantyStatus) -> None:
    assert warranty_status(date(2025, 3, 1), 12, today) is status


def test_unknown_purchase_date_gives_unknown_warranty() -> None:
    assert warranty_status(None, 12, TODAY) is WarrantyStatus.UNKNOWN


DELIVERED = date(2026, 11, 1)


@pytest.mark.parametrize(
    ("today", "reason", "wanted", "eligible", "verdict"),
    [
        (date(2026, 11, 8), ReturnReason.CHANGED_MIND, Resolution.REFUND, True,
         Verdict.NO_REASON_WINDOW),  # day 7: last day inside
        (date(2026, 11, 9), ReturnReason.CHANGED_MIND, Resolution.REFUND, False,
         Verdict.WINDOW_PASSED),  # day 8: first day outside
        (date(2026, 11, 9), ReturnReason.CHANGED_MIND, Resolution.EXCHANGE, False,
         Verdict.WINDOW_PASSED),
        (date(2026, 11, 16), ReturnReason.QUALITY, Resolution.EXCHANGE, True,
         Verdict.QUALITY_WINDOW),  # day 15: last day inside
        (date(2026, 11, 17), ReturnReason.QUALITY, Resolution.EXCHANGE, False,
         Verdict.WINDOW_PASSED),  # day 16: first day outside
        (date(2026, 11, 10), ReturnReason.WRONG_ITEM, Resolution.REFUND, False,
         Verdict.QUALITY_REFUND_WINDOW_PASSED),
        (date(2026, 11, 2), ReturnReason.OTHER, Resolution.EXCHANGE, True,
         Verdict.NO_REASON_WINDOW),
    ],
)  # fmt: skip
def test_return_windows(
    today: date, reason: ReturnReason, wanted: Resolution, eligible: bool, verdict: Verdict
) -> None:
    result = return_eligibility(
        DELIVERED, today, reason, wanted, no_reason_days=7, quality_days=15
    )
    assert (result.eligible, result.verdict) == (eligible, verdict)
