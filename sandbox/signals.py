"""A broadcast wake-up for coroutines waiting on "something changed"."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Signal:
    """notify() wakes every current waiter; later waiters wait for the next notify().

    Callers check their condition first and then call wait() with no await in between, so a
    change can never slip between the check and the wait. wait() picks the change it waits for
    when it is called, not when its coroutine first runs: wrapped in a task, which runs only at
    the loop's next turn, it would otherwise miss a notify() made before that turn.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def wait(self, timeout: float | None) -> Coroutine[Any, Any, bool]:
        """True once the next notify() comes, False after `timeout` seconds without one."""
        return _wait_for(self._event, timeout)


async def _wait_for(event: asyncio.Event, timeout: float | None) -> bool:
    if timeout is not None and timeout <= 0:
        return False
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        return False
    return True
