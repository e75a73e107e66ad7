"""Callback data of the events' buttons, built and parsed only here.

    ev:reg:<event_id>                    a customer registers (the announcement)
    ev:cancel:<event_id>                 a customer cancels (the confirmation, the reminder)
    ev:att:<event_id>:<registration_id>  staff mark or unmark one person's attendance

Callback data comes from the client and can be forged: anything malformed parses to None, and
the handlers act only for the presser (a customer's own registration; staff behind their gate).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.rules.ids import parse_id

PATTERN = r"^ev:"


class EventAction(StrEnum):
    REGISTER = "reg"
    CANCEL = "cancel"
    ATTENDED = "att"


@dataclass(frozen=True, slots=True)
class EventButton:
    action: EventAction
    event_id: int
    registration_id: int | None = None  # ATTENDED only

    def encode(self) -> str:
        tail = f":{self.registration_id}" if self.action == EventAction.ATTENDED else ""
        return f"ev:{self.action.value}:{self.event_id}{tail}"

    @classmethod
    def parse(cls, data: str | None) -> EventButton | None:
        """None for anything malformed."""
        parts = (data or "").split(":")
        if len(parts) < 3 or parts[0] != "ev":
            return None
        try:
            action = EventAction(parts[1])
        except ValueError:
            return None
        expected = 4 if action == EventAction.ATTENDED else 3
        ids = [parse_id(part) for part in parts[2:]]
        if len(parts) != expected or any(value is None for value in ids):
            return None
        event_id = ids[0]
        assert event_id is not None
        return cls(action, event_id, ids[1] if len(ids) > 1 else None)
