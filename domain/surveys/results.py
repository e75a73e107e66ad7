"""Survey arithmetic: averages, distributions, Net Promoter Score, answer rates. Pure.

NPS follows its usual definition: on a 0–10 scale promoters answer 9–10, detractors 0–6, and
NPS is the percentage of promoters minus the percentage of detractors (from −100 to +100).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from storage.survey_models import CampaignKind

CSAT_SCALE = tuple(range(1, 6))
NPS_SCALE = tuple(range(11))
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


@dataclass(frozen=True)
class Response:
    delivered: bool
    answer: int | None
    comment: str | None = None


@dataclass(frozen=True)
class Summary:
    kind: CampaignKind
    delivered: int
    distribution: dict[int, int]  # every value of the scale, in order
    comments: list[str] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return sum(self.distribution.values())

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.delivered if self.delivered else None

    @property
    def average(self) -> float | None:
        if self.kind == CampaignKind.CHOICE or not self.answered:
            return None
        return sum(value * count for value, count in self.distribution.items()) / self.answered

    @property
    def nps(self) -> float | None:
        if self.kind != CampaignKind.NPS or not self.answered:
            return None
        promoters = sum(c for v, c in self.distribution.items() if v >= PROMOTER_MIN)
        detractors = sum(c for v, c in self.distribution.items() if v <= DETRACTOR_MAX)
        return 100 * (promoters - detractors) / self.answered

    @property
    def share(self) -> dict[int, float]:
        """Each value's part of the answers (0–1)."""
        total = self.answered
        return {
            value: count / total if total else 0.0 for value, count in self.distribution.items()
        }


def scale(kind: CampaignKind, option_count: int = 0) -> Sequence[int]:
    if kind == CampaignKind.CSAT:
        return CSAT_SCALE
    if kind == CampaignKind.NPS:
        return NPS_SCALE
    return tuple(range(option_count))


def summarize(kind: CampaignKind, values: Sequence[int], responses: Iterable[Response]) -> Summary:
    """`values` is the scale (every possible answer); answers outside it are ignored."""
    distribution = dict.fromkeys(values, 0)
    delivered = 0
    comments: list[str] = []
    for response in responses:
        delivered += response.delivered
        if response.answer in distribution:
            distribution[response.answer] += 1
        if response.comment:
            comments.append(response.comment)
    return Summary(kind, delivered, distribution, comments)
