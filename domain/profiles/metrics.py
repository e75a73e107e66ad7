"""The compliance metric of customer profiles (a contract's "customer information accuracy
100 %"), in the reports' registry (`domain.reports.metrics`).

    [[compliance.clauses]]
    metric = "profiles_confirmed"
    params = { within_days = 365 }   # optional; as [profiles] confirm_every_days
    target = 1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from domain.reports.metrics import Measurement, Scope, metric
from storage import profile_checks

DEFAULT_WITHIN_DAYS = 365


def _within(params: Mapping[str, Any]) -> timedelta:
    days = params.get("within_days", DEFAULT_WITHIN_DAYS)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 3650:
        raise ValueError(f"params.within_days {days!r}: a whole number of days, 1 to 3650")
    return timedelta(days=days)


@metric("profiles_confirmed")
class ProfilesConfirmed:
    """The share of customers with a ticket opened in the period who confirmed their profile
    (the yearly check's "Yes", or "All correct" in /profile) within `within_days` before the
    period's end; the offenders are the newest ticket of each customer who did not."""

    unit = "share"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        if unknown := sorted(set(params) - {"within_days"}):
            raise ValueError(f"unknown params {', '.join(unknown)}; known: within_days")
        _within(params)
        if not 0 <= target <= 1:
            raise ValueError(f"target {target}: a share is written 0.95 for 95 %")

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        period = scope.period
        found = await profile_checks.confirmed_among_served(
            scope.session, period.start, period.end, within=_within(params)
        )
        ratio = found.part / found.whole if found.whole else None
        met = None if ratio is None else ratio >= target
        return Measurement(ratio, met, found.part, found.whole, found.unconfirmed)
