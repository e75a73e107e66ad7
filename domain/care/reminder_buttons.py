"""Callback data of a reminder's buttons, built and parsed only here.

    rem:flow:<recipient_id>   start the matching request, pre-filled from the reminder
    rem:stop:<recipient_id>   "Stop these reminders" (of this kind)

Callback data comes from the client and can be forged: the handlers check that whoever pressed
is the reminder's customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from domain.rules.ids import parse_id

FLOW_PATTERN = r"^rem:flow:"
STOP_PATTERN = r"^rem:stop:"
Action = Literal["flow", "stop"]


@dataclass(frozen=True, slots=True)
class ReminderButton:
    action: Action
    recipient_id: int

    def encode(self) -> str:
        return f"rem:{self.action}:{self.recipient_id}"

    @classmethod
    def parse(cls, data: str | None) -> ReminderButton | None:
        """None for anything malformed."""
        parts = (data or "").split(":")
        if len(parts) != 3 or parts[0] != "rem" or parts[1] not in ("flow", "stop"):
            return None
        recipient_id = parse_id(parts[2])
        action: Action = "flow" if parts[1] == "flow" else "stop"
        return None if recipient_id is None else cls(action, recipient_id)
