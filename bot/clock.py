"""Time source: every `now` in Kefu comes from a Clock, so tests and the demo can move time."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Protocol

CLOCK_OFFSET_VARIABLE = "KEFU_CLOCK_OFFSET_SECONDS"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """The system clock moved forward by an adjustable offset (tests, the demo's time travel)."""

    def __init__(self, offset: timedelta = timedelta()) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


def clock_from_environment(env: Mapping[str, str] | None = None) -> Clock:
    """The system clock, or one shifted by KEFU_CLOCK_OFFSET_SECONDS (a number, may be
    negative or fractional) for demos and tests that run Kefu as a separate process.

    Raises ValueError naming the variable if its value is not a number.
    """
    raw = (os.environ if env is None else env).get(CLOCK_OFFSET_VARIABLE, "").strip()
    if not raw:
        return SystemClock()
    try:
        offset = float(raw)
    except ValueError:
        raise ValueError(f"{CLOCK_OFFSET_VARIABLE}: {raw!r} is not a number of seconds") from None
    return ShiftedClock(timedelta(seconds=offset))
