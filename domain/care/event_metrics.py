"""The events' compliance metric (seed contract 001: customer training "at least twice a
year"), in the reports' registry (`domain.reports.metrics`).

    [[compliance.clauses]]
    metric = "events_per_year_at_least"
    target = 2
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from domain.reports.metrics import Measurement, Scope, metric
from domain.reports.periods import midnight
from storage import care_events


@metric("events_per_year_at_least")
class EventsPerYearAtLeast:
    """Events held (their start passed, not cancelled) in each calendar year the period
    touches, counted from the year's first day to the period's end (or to now, if sooner): a
    weekly report shows how far this year has come. The value is the count of the year with
    the fewest; the offenders are the years short of the target, as "2027: 1". A year still
    under way is met once its events have taken place, not before."""

    unit = "count"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        if params:
            raise ValueError(f"unknown params {', '.join(sorted(params))}; it takes none")
        if target < 1 or target != int(target):
            raise ValueError(f"target {target}: a number of events a year, like 2")

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        period, zone = scope.period, scope.period.zone
        years = range(period.first_day.year, period.last_day.year + 1)
        start = midnight(date(years[0], 1, 1), zone)
        end = min(period.end, scope.as_of)
        held = await care_events.held_between(scope.session, start, end)
        per_year = Counter(moment.astimezone(zone).year for moment in held)
        counts = {year: per_year.get(year, 0) for year in years}
        fewest = min(counts.values())
        short = tuple(f"{year}: {count}" for year, count in counts.items() if count < target)
        return Measurement(float(fewest), fewest >= target, offenders=short)
