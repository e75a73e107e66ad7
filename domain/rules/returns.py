"""Return and exchange eligibility from the configured windows, counted from delivery.

The windows follow the common Chinese e-commerce rules: any reason within the no-reason window
(7 days by default), an exchange for a quality problem within the quality window (15 days).
Day 1 is the day after delivery, so with a 7-day window a parcel delivered on the 1st may be
returned up to and including the 8th. Staff can always override the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class ReturnReason(StrEnum):
    QUALITY = "quality"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


class Resolution(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"


class Verdict(StrEnum):
    """Why a request is or is not eligible; each value has a sentence in the catalogs."""

    NO_REASON_WINDOW = "no_reason_window"
    QUALITY_WINDOW = "quality_window"
    QUALITY_REFUND_WINDOW_PASSED = "quality_refund_window_passed"
    WINDOW_PASSED = "window_passed"


# A problem the seller caused: these reasons earn the longer quality window.
SELLER_FAULT = {ReturnReason.QUALITY, ReturnReason.WRONG_ITEM, ReturnReason.NOT_AS_DESCRIBED}


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    verdict: Verdict
    last_day: date  # the last day of the window that decided


def return_eligibility(
    delivered: date,
    today: date,
    reason: ReturnReason,
    wanted: Resolution,
    *,
    no_reason_days: int,
    quality_days: int,
) -> Eligibility:
    no_reason_last = delivered + timedelta(days=no_reason_days)
    quality_last = delivered + timedelta(days=quality_days)
    if today <= no_reason_last:
        return Eligibility(True, Verdict.NO_REASON_WINDOW, no_reason_last)
    if reason in SELLER_FAULT and today <= quality_last:
        if wanted is Resolution.EXCHANGE:
            return Eligibility(True, Verdict.QUALITY_WINDOW, quality_last)
        return Eligibility(False, Verdict.QUALITY_REFUND_WINDOW_PASSED, no_reason_last)
    last = quality_last if reason in SELLER_FAULT else no_reason_last
    return Eligibility(False, Verdict.WINDOW_PASSED, last)
