"""The compliance metric of service records (seed contract 002: "a service record after every
service"), in the reports' registry (`domain.reports.metrics`).

    [[compliance.clauses]]
    metric = "service_records_delivered"
    target = 1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.reports.metrics import Measurement, Scope, metric
from storage import service_records


@metric("service_records_delivered")
class ServiceRecordsDelivered:
    """The share of tickets resolved in the period whose customer was sent the service record
    of that resolution; the offenders are the tickets without one (a customer who could not be
    reached, or who withdrew consent, counts against it: the promise was not kept)."""

    unit = "share"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        if params:
            raise ValueError(f"unknown params {', '.join(sorted(params))}; it takes none")
        if not 0 <= target <= 1:
            raise ValueError(f"target {target}: a share is written 0.95 for 95 %")

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        period = scope.period
        share = await service_records.delivered(scope.session, period.start, period.end)
        ratio = share.ratio
        met = None if ratio is None else ratio >= target
        return Measurement(ratio, met, share.part, share.whole, share.short)
