"""A broadcast wake-up for coroutines waiting on "something changed"."""

from __future__ import annotations

import asyncio


class Signal:
    """notify() wakes every current waiter; later waiters wait for the next notify().

    Callers check their condition first and then call wait() with no await in between,
    so a change can never slip between the check and the wait.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> bool:
        event = self._event
        if timeout is not None and timeout <= 0:
            return False
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True
