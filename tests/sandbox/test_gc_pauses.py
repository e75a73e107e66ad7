"""The standalone sandbox leaves no full collection to Python: it collects every second and
freezes what survived, so that each collection scans only what is newer (`sandbox.gc_pauses`);
a reset gives the dropped world back.

Run in a process of its own: freezing the test process would keep every test's objects."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import gc, weakref
    from sandbox.gc_pauses import collect_now, keep_full_collections_short, thaw

    class Chat:
        pass

    keep_full_collections_short()
    before = gc.get_freeze_count()
    full = []
    gc.callbacks.append(lambda phase, info: full.append(info) if info["generation"] == 2 else None)
    world = [Chat() for _ in range(10_000)]
    for chat in world:
        chat.me = chat  # a cycle, as the sandbox's records often are
    probe = weakref.ref(world[0])
    kept = [[] for _ in range(300_000)]  # enough to set off full collections, were they Python's
    print("no full collection of Python's", not full)
    collect_now()  # the sandbox's own, once a second
    print("frozen", gc.get_freeze_count() >= before + 10_000)
    del world, chat, kept
    collect_now()
    print("kept while frozen", probe() is not None)
    thaw()
    print("collected after a reset", probe() is None)
    """
)


def test_what_survives_a_collection_is_frozen_until_a_reset_thaws_it() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "no full collection of Python's True",
        "frozen True",
        "kept while frozen True",
        "collected after a reset True",
    ]
