"""Callback data of the customers' and admins' flow buttons, built and parsed only here.

Each feature declares its buttons as `Button`s (`KIND = Button("repair", "kind", TicketType)`):
`KIND.data(value)` builds `repair:kind:<value>`, `KIND.pattern` is what its handler matches,
and `KIND.value(update)` gives the pressed value back as its type. Callback data comes from
the client and can be forged: a value that does not convert is None, never an exception.
The desk, survey and campaign-admin buttons have codecs of their own in `domain`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram import Update

from domain.rules.ids import parse_id

V = TypeVar("V")


@dataclass(frozen=True)
class Button(Generic[V]):
    """`<feature>:<action>`, and `:<value>` after it when the button carries a value (a button
    whose action is empty is `<feature>:<value>`)."""

    feature: str
    action: str = ""
    convert: Callable[[str], V] | None = None  # None: the button carries no value

    @property
    def _head(self) -> str:
        return f"{self.feature}:{self.action}" if self.action else self.feature

    def data(self, value: object = None) -> str:
        if self.convert is None:
            return self._head
        if isinstance(value, tuple):
            value = ":".join(map(str, value))
        return f"{self._head}:{'' if value is None else value}"

    @property
    def pattern(self) -> str:
        head = f"^{re.escape(self._head)}"
        return f"{head}:" if self.convert is not None else f"{head}$"

    def pressed(self, update: Update) -> bool:
        data = update.callback_query.data if update.callback_query else None
        return isinstance(data, str) and re.match(self.pattern, data) is not None

    def value(self, update: Update) -> V | None:
        """The value of this button as pressed; None if it is not this button or is forged."""
        if self.convert is None or not self.pressed(update):
            return None
        assert update.callback_query is not None and isinstance(update.callback_query.data, str)
        raw = update.callback_query.data[len(self._head) + 1 :]
        try:
            return self.convert(raw)
        except (ValueError, KeyError):
            return None


def optional_text(raw: str) -> str | None:
    """An empty value stands for "none of these" (e.g. "Other product")."""
    return raw or None


def number(raw: str) -> int:
    value = parse_id(raw)
    if value is None:
        raise ValueError(raw)
    return value


def number_pair(raw: str) -> tuple[int, int]:
    """Two ids in one value, `12:34`."""
    first, _, second = raw.partition(":")
    return number(first), number(second)


def one_of(*allowed: str) -> Callable[[str], str]:
    def convert(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(raw)
        return raw

    return convert


# The main menu: each entry starts a flow or a view.
MENU_CONSULT: Button[Any] = Button("menu", "consult")
MENU_REPAIR: Button[Any] = Button("menu", "repair")
MENU_RETURN: Button[Any] = Button("menu", "return")
MENU_COMPLAINT: Button[Any] = Button("menu", "complaint")
MENU_TICKETS: Button[Any] = Button("menu", "tickets")
MENU_LANGUAGE: Button[Any] = Button("menu", "language")
ANY_MENU = Button("menu", convert=str)  # whichever entry

# Every flow's navigation.
BACK: Button[Any] = Button("flow", "back")
CANCEL: Button[Any] = Button("flow", "cancel")
