"""The overall send rate, found out from Telegram's answers rather than fixed in advance.

Telegram's "about 30 messages a second" is not a contract: a bot may be held to less, and then
a fixed pace earns a 429 every second or so, each pausing every send for its `retry_after`
(a whole second at least). So the rate starts at the nominal limit (95.5 % of it, `ceiling`) and,
at a 429, drops by a tenth below the rate that was refused, which is remembered as where the
limit lies. It then climbs back quickly to just under that mark and only slowly past it: the
rate probes for more (a limit may be lifted) but comes back to the mark that refused it rarely,
about once a minute. Under a limit of 20 a second it so keeps to about 19.

Refusals a moment apart are one refusal: the sends in flight when the limit was hit come back
refused together. Where the caller knows how many messages went out in the second before the
refusal, that count is the better mark: a limit well under the rate is then found at the first
429, not a tenth at a time, each tenth a second's pause. A count far under the rate measures
nothing: sending that little, the refusal was not the overall limit's (one chat's own limit, a
hiccup), and only the usual tenth is taken off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

SLOW_DOWN = 0.9  # of the refused rate, at a 429
NEAR = 0.95  # of the refused rate: climbed to quickly, passed slowly
QUICK_CLIMB = 0.05  # a second, below `NEAR`
PROBE = 0.001  # a second, from `NEAR` up to the ceiling
SAME_REFUSAL_SECONDS = 1.0
MEASURES_THE_LIMIT = 0.5  # of the rate: a count of sends at least this is taken as the mark
LOWEST = 1.0  # messages a second, whatever Telegram says


class AdaptiveRate:
    def __init__(self, ceiling: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = ceiling
        self._rate = ceiling
        self._refused_at_rate = float("inf")  # the last rate Telegram refused
        self._clock = clock
        self._since = clock()  # the rate was set then; it climbs from there
        self._refused_at = float("-inf")

    @property
    def rate(self) -> float:
        """Messages a second allowed now."""
        seconds = self._clock() - self._since
        rate = self._rate
        near = min(self.ceiling, self._refused_at_rate * NEAR)
        if rate < near:  # quickly back to just under the mark
            quick = rate * (1 + QUICK_CLIMB) ** seconds
            if quick <= near:
                return quick
            seconds -= _seconds_to(rate, near, QUICK_CLIMB)
            rate = near
        return min(self.ceiling, rate * (1 + PROBE) ** seconds)

    def refused(self, sent_in_the_last_second: float | None = None) -> None:
        """Telegram answered 429, after `sent_in_the_last_second` messages if known."""
        now = self._clock()
        if now - self._refused_at < SAME_REFUSAL_SECONDS:
            return
        refused = self.rate
        if (
            sent_in_the_last_second is not None
            and sent_in_the_last_second >= refused * MEASURES_THE_LIMIT
        ):
            refused = min(refused, sent_in_the_last_second)
        self._refused_at, self._refused_at_rate = now, refused
        self._rate, self._since = max(LOWEST, refused * SLOW_DOWN), now


def _seconds_to(rate: float, target: float, growth: float) -> float:
    """How long growing by `growth` a second takes from `rate` to `target`."""
    return math.log(target / rate) / math.log(1 + growth)
