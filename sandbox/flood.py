"""Telegram-like flood control for message-sending methods.

Telegram's published guidance: about 30 messages per second per bot overall and 20 messages
per minute per group; past that it answers 429 with parameters.retry_after.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PER_SECOND = 30.0
DEFAULT_PER_GROUP_PER_MINUTE = 20.0


@dataclass
class _Window:
    seconds: float
    stamps: deque[float] = field(default_factory=deque)

    def wait_needed(self, limit: float, count: int, now: float) -> float:
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        excess = len(self.stamps) + count - limit
        if excess <= 0:
            return 0.0
        index = min(math.ceil(excess), len(self.stamps)) - 1
        if index < 0:
            return self.seconds
        return self.stamps[index] + self.seconds - now

    def add(self, count: int, now: float) -> None:
        self.stamps.extend([now] * count)


class FloodControl:
    def __init__(
        self,
        enabled: bool = True,
        per_second: float | None = DEFAULT_PER_SECOND,
        per_group_per_minute: float | None = DEFAULT_PER_GROUP_PER_MINUTE,
    ) -> None:
        self.enabled = enabled
        self.per_second = per_second
        self.per_group_per_minute = per_group_per_minute
        self._bots: dict[int, _Window] = {}
        self._groups: dict[tuple[int, int], _Window] = {}

    def settings(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "per_second": self.per_second,
            "per_group_per_minute": self.per_group_per_minute,
        }

    def charge(self, bot_id: int, chat_id: int, is_group: bool, count: int = 1) -> int | None:
        """Counts `count` messages; returns retry_after seconds instead when over a limit."""
        if not self.enabled:
            return None
        now = time.monotonic()
        checks: list[tuple[_Window, float]] = []
        if self.per_second is not None:
            checks.append((self._bots.setdefault(bot_id, _Window(1.0)), self.per_second))
        if is_group and self.per_group_per_minute is not None:
            window = self._groups.setdefault((bot_id, chat_id), _Window(60.0))
            checks.append((window, self.per_group_per_minute))
        wait = max((w.wait_needed(limit, count, now) for w, limit in checks), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for window, _ in checks:
            window.add(count, now)
        return None

    def clear(self) -> None:
        self._bots.clear()
        self._groups.clear()
