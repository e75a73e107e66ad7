"""Callback data of the staff desk's card buttons, built and parsed only here."""

from __future__ import annotations

from dataclasses import dataclass

from domain.rules.ids import parse_id
from storage.enums import Priority

PATTERN = r"^desk:"


@dataclass(frozen=True)
class DeskButton:
    """A desk button's payload, `desk:<action>:<ticket_id>[:arg]`: built and parsed only here."""

    action: str
    ticket_id: int
    arg: str | None = None

    # "nonote" is on the resolution prompt that "resolve" posts, not on the card.
    ACTIONS = frozenset(
        {"claim", "priority", "setpriority", "resolve", "nonote", "reopen", "close", "card"}
    )

    def encode(self) -> str:
        return ":".join(["desk", self.action, str(self.ticket_id), *filter(None, [self.arg])])

    @classmethod
    def parse(cls, data: str | None) -> DeskButton | None:
        """None for anything malformed: callback data comes from the client and can be forged."""
        parts = (data or "").split(":")
        if len(parts) not in (3, 4) or parts[0] != "desk" or parts[1] not in cls.ACTIONS:
            return None
        ticket_id = parse_id(parts[2])
        if ticket_id is None:
            return None
        arg = parts[3] if len(parts) == 4 else None
        if (parts[1] == "setpriority") != (arg in set(Priority)):
            return None
        return cls(parts[1], ticket_id, arg)
