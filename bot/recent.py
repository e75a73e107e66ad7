"""A bounded memory of the most recent keys (and what was noted for each), oldest forgotten first.

Several things only matter for a short while after they happen: a callback query can only be
answered within seconds of the press, and a message's buttons are pressed soon after it was
sent. Remembering the last few thousand is enough, and keeps memory flat however long Kefu runs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._items: OrderedDict[K, V] = OrderedDict()

    def claim(self, key: K, value: V) -> bool:
        """True the first time for `key` (and notes `value`); False while it is remembered."""
        if key in self._items:
            return False
        self.note(key, value)
        return True

    def note(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self._keep:
            self._items.popitem(last=False)

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._items
