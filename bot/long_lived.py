"""What Kefu builds to start lives as long as the process, so the garbage collector leaves it be.

Modules, PTB's application and handlers, SQLAlchemy's mappings, the message catalogs and the
templates are never garbage, yet every full collection scanned them again: three in a
100-customer bench round, 65–80 ms each, each a pause for every chat at once. Frozen
(`gc.freeze`) once the bot takes updates, they are left out of later collections (two in such a
round, 40–60 ms each; docs/benchmarks.md). What the bot creates afterwards is collected as
before.

Only `kefu run` freezes: the tests run Kefu inside their own process, where it would freeze
every test's objects as well.
"""

from __future__ import annotations

import asyncio
import gc


async def freeze_once_running(running: asyncio.Event) -> None:
    await running.wait()
    gc.freeze()
