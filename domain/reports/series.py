"""What the report's charts draw: plain values, already labelled in the reader's language.

`domain.reports.figures` fills these from SQL aggregates; `domain.reports.charts` draws them.
A series with nothing in it is not drawn at all (a chart of nothing says nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class DailyVolume:
    """Tickets opened per day, stacked by type."""

    days: list[date]
    by_type: dict[str, list[int]]  # the type's label -> one count per day, in `days` order

    @property
    def is_empty(self) -> bool:
        return not any(sum(counts) for counts in self.by_type.values())


@dataclass(frozen=True)
class ResponseHistogram:
    """How long first responses took, in business minutes, bucketed, against the target."""

    edges_minutes: list[float]  # bucket i holds [edges[i], edges[i + 1]); the last is open
    counts: list[int]  # len(edges_minutes) buckets
    target_minutes: float | None  # the policy's first-response target, if one applies

    @property
    def is_empty(self) -> bool:
        return not sum(self.counts)


@dataclass(frozen=True)
class WeeklyCompliance:
    """The share of SLA timers met, per week of the period."""

    weeks: list[str]  # labels, e.g. "11-23"
    percent: list[float | None]  # None: no timer ended that week

    @property
    def is_empty(self) -> bool:
        return all(value is None for value in self.percent)


@dataclass(frozen=True)
class SatisfactionTrend:
    """CSAT (average, 1-5) and NPS (-100..100) per week of the period."""

    labels: list[str]
    csat: list[float | None] = field(default_factory=list)
    nps: list[float | None] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return all(v is None for v in self.csat) and all(v is None for v in self.nps)
