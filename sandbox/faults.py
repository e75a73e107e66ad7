"""Fault injection: make the next N calls of a method fail the way networks and Telegram do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

FAULT_KINDS = ("500", "502", "429", "hang")


@dataclass
class Fault:
    method: str  # lower-case method name, or "*" for any method
    kind: str
    remaining: int
    retry_after: int = 5
    hang_seconds: float = 60.0
    # True: the call still takes effect and only its answer is lost (the "did it send?" case).
    execute: bool = False

    def describe(self) -> dict[str, Any]:
        return asdict(self)


class FaultInjector:
    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(
        self,
        method: str,
        kind: str,
        count: int = 1,
        retry_after: int | None = None,
        hang_seconds: float | None = None,
        execute: bool = False,
    ) -> Fault:
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        fault = Fault(method.lower(), kind, count, execute=execute)
        if retry_after is not None:
            fault.retry_after = max(1, int(retry_after))
        if hang_seconds is not None:
            fault.hang_seconds = float(hang_seconds)
        self._faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """The first armed fault for `method`, consuming one of its remaining uses."""
        name = method.lower()
        for fault in self._faults:
            if fault.method in (name, "*"):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [fault.describe() for fault in self._faults]

    def clear(self) -> None:
        self._faults.clear()
