"""How fast one customer may go: a token bucket per customer.

Each update takes a token; a customer has `burst` of them and gets `per_minute` back a minute.
`take` says whether this update is within the customer's share, and whether it is the first one
over it (the one that gets the "please wait"). The buckets live in the process: with several
instances each keeps its own, so the share is per instance (a shared store is the production
issue's to add).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

KEEP = 100_000  # customers remembered; a full bucket needs no memory


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    first_refusal: bool = False  # over the share, and not told since their bucket was last full


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: datetime
    told: bool = False


class CustomerBuckets:
    def __init__(self) -> None:
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def take(self, customer_id: int, *, now: datetime, per_minute: float, burst: int) -> Verdict:
        bucket = self._buckets.pop(customer_id, None) or _Bucket(float(burst), now)
        elapsed = max(0.0, (now - bucket.at).total_seconds())
        bucket.tokens = min(float(burst), bucket.tokens + elapsed * per_minute / 60)
        bucket.at = now
        self._buckets[customer_id] = bucket  # most recent last
        if len(self._buckets) > KEEP:
            self._buckets.popitem(last=False)
        if bucket.tokens >= burst:
            bucket.told = False  # they calmed down: a later flood is told again
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return Verdict(allowed=True)
        first = not bucket.told
        bucket.told = True
        return Verdict(allowed=False, first_refusal=first)
