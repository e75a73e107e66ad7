"""The global change feed (for the web page and for tests that wait without sleeping)."""

from __future__ import annotations

from collections import deque
from typing import Any

from sandbox.signals import Signal

EVENT_KINDS = ("message", "edit", "delete", "topic", "chat", "user", "keyboard", "reset")


class EventFeed:
    def __init__(self, keep: int = 20_000) -> None:
        self.seq = 0
        self._events: deque[dict[str, Any]] = deque(maxlen=keep)
        self._signal = Signal()

    def publish(
        self, kind: str, chat_id: int | None, message_id: int | None = None, **extra: Any
    ) -> dict[str, Any]:
        self.seq += 1
        event: dict[str, Any] = {"seq": self.seq, "kind": kind, "chat_id": chat_id}
        if message_id is not None:
            event["message_id"] = message_id
        event.update({k: v for k, v in extra.items() if v is not None})
        self._events.append(event)
        self._signal.notify()
        return event

    def since(self, after: int) -> list[dict[str, Any]]:
        newer: list[dict[str, Any]] = []
        for event in reversed(self._events):
            if event["seq"] <= after:
                break
            newer.append(event)
        newer.reverse()
        return newer

    async def wait(self, after: int, timeout: float) -> list[dict[str, Any]]:
        """Events newer than `after`, waiting up to `timeout` seconds for the first one."""
        events = self.since(after)
        if events or self.seq > after:
            return events
        await self._signal.wait(timeout)
        return self.since(after)

    def wake(self) -> None:
        """Wakes every waiter without an event (the sandbox is stopping)."""
        self._signal.notify()

    async def wait_change(self, timeout: float) -> bool:
        return await self._signal.wait(timeout)

    def clear(self) -> None:
        # seq keeps growing so a page polling with an old `after` still sees what comes next
        self._events.clear()
