"""The follow-up visits' contract metric, `followups_done`, in the reports' registry.

Imported by `domain.reports.compliance`, which registers it by importing. The report's
repeat-problem rate is `storage.visits.repeat_problem_share`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.reports.metrics import Measurement, Scope, metric, ticket_types
from storage import visits


@metric("followups_done")
class FollowupsDone:
    """The share of tickets resolved in the period whose follow-up visit was sent, of those
    whose visit came due (the types in `[care.followup_days]`, resolved that many days before
    the report); `types` limits it to some ticket types. `part` is the visits sent, `whole`
    the visits due; the offenders are the tickets whose visit was never sent (the customer
    had withdrawn consent, opted out, blocked the bot, or the send failed); `answered` is how
    many of the visits sent the customers answered (at any time up to the report). Visits
    still queued when the report is made are left out, as pending."""

    unit = "share"
    at_most = False

    def check(self, params: Mapping[str, Any], target: float) -> None:
        if unknown := sorted(set(params) - {"types"}):
            raise ValueError(f"unknown params {', '.join(unknown)}; known: types")
        ticket_types(params)
        if not 0 <= target <= 1:
            raise ValueError(f"target {target}: a share is written 0.95 for 95 %")

    async def measure(self, scope: Scope, params: Mapping[str, Any], target: float) -> Measurement:
        found = await visits.counts(
            scope.session, scope.period.start, scope.period.end, types=ticket_types(params)
        )
        share = found.sent_share
        ratio = share.ratio
        return Measurement(
            ratio,
            None if ratio is None else ratio >= target,
            share.part,
            share.whole,
            share.short,
            answered=found.answered,
        )
