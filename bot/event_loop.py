"""The event loop Kefu runs on: uvloop where it is installed (it is a dependency, except on
Windows, which it does not support), else asyncio's own.

uvloop runs the same asyncio code with less work per callback, per socket read and per
thread hand-off (each SQLite statement is one: aiosqlite runs them in a thread). Measured in
`bench/throughput.py`, it took Kefu's CPU per update from 8.8 to 7.7 ms (docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)`, on uvloop if it is installed."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
