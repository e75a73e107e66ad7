"""The compliance section of a report: each contract clause, its target, what was measured,
met or not, and the tickets that broke it.

Importing this module gathers the registry (`METRICS`): the built-in metrics, and those of the
care features once they exist, each registering itself with `domain.reports.metrics.metric`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# The care features' metrics register themselves on import.
from domain.care import event_metrics, record_metrics, visit_metrics  # noqa: F401
from domain.profiles import metrics as profile_metrics  # noqa: F401
from domain.reports.metrics import METRICS, Measurement, Scope

if TYPE_CHECKING:
    from bot.business_config import Clause

__all__ = ["METRICS", "ClauseResult", "measure_clauses"]


@dataclass(frozen=True)
class ClauseResult:
    clause: Clause
    unit: str  # "share" or "score"
    at_most: bool
    measured: Measurement


async def measure_clauses(scope: Scope, clauses: list[Clause]) -> list[ClauseResult]:
    results = []
    for clause in clauses:
        metric = METRICS[clause.metric]  # checked when the configuration was loaded
        measured = await metric.measure(scope, clause.params, clause.target)
        results.append(ClauseResult(clause, metric.unit, metric.at_most, measured))
    return results
