"""Warranty: free repair inside the product's warranty months, a quote after."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum


class WarrantyStatus(StrEnum):
    IN_WARRANTY = "in_warranty"
    OUT_OF_WARRANTY = "out_of_warranty"
    UNKNOWN = "unknown"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def warranty_ends_on(purchase: date, months: int) -> date:
    """The last day covered: a 12-month warranty bought on 2025-03-01 covers up to 2026-02-28."""
    return add_months(purchase, months) - timedelta(days=1)


def warranty_status(purchase: date | None, months: int | None, today: date) -> WarrantyStatus:
    if purchase is None or months is None:
        return WarrantyStatus.UNKNOWN
    if today <= warranty_ends_on(purchase, months):
        return WarrantyStatus.IN_WARRANTY
    return WarrantyStatus.OUT_OF_WARRANTY
