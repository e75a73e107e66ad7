"""Keeping the sandbox's own garbage collector from bunching the requests it counts.

The sandbox keeps everything it is told (people, chats, messages, the call log) for its whole
life, and each of Python's full collections scans all of it: with 10,000 people, 80–130 ms. The
requests that arrive meanwhile wait in their sockets and are then stamped together, so a bot
sending evenly at 28.65 messages a second was counted 31 in one second and refused, a second
after each such pause (three in a 10,000-message campaign, each 0.97 s after a pause). Evenly
spaced at that rate, 30 sends span 1.012 s: a pause of 12 ms is enough. Telegram stamps a
message as it arrives, not after a pause of its own.

So Python's own full collections are turned off, and the sandbox runs one every second
instead, then freezes what survived it (`gc.freeze`): each collection scans only what is newer
than the last one, a few milliseconds (7.6 ms at most in a 10,000-message campaign, against
80–130 ms before; docs/benchmarks.md). The price is that a cycle frozen while still in use is
never collected once it becomes garbage: requests under way at a collection. Measured, 617
objects after that six-minute campaign. A reset drops the sandbox's world, so it thaws
everything and collects it.

Only the standalone sandbox does this (`python -m sandbox`): in-process, it would freeze the
test's and Kefu's objects as well.
"""

from __future__ import annotations

import asyncio
import gc

COLLECT_EVERY_SECONDS = 1.0
NEVER = 2**31 - 1  # a threshold no count reaches


def keep_full_collections_short() -> None:
    """Freeze what exists now and leave full collections to `collect_every_second`."""
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, NEVER)
    collect_now()


def collect_now() -> None:
    gc.collect()
    gc.freeze()


async def collect_every_second() -> None:
    while True:
        await asyncio.sleep(COLLECT_EVERY_SECONDS)  # a period, not a synchronisation
        collect_now()


def thaw() -> None:
    """Everything the frozen collections kept back is collected again (after a reset)."""
    if gc.get_freeze_count():
        gc.unfreeze()
        collect_now()
