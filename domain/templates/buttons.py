"""Callback data of the /reply picker's buttons, `reply:<ticket_id>:<template_id>`, built and
parsed only here.

Callback data comes from the client and can be forged: the handler checks that the button was
pressed in the named ticket's topic, by staff, and that the template still exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.rules.ids import parse_id

PATTERN = r"^reply:"


@dataclass(frozen=True, slots=True)
class ReplyButton:
    ticket_id: int
    template_id: int

    def encode(self) -> str:
        return f"reply:{self.ticket_id}:{self.template_id}"

    @classmethod
    def parse(cls, data: str | None) -> ReplyButton | None:
        """None for anything malformed."""
        parts = (data or "").split(":")
        if len(parts) != 3 or parts[0] != "reply":
            return None
        ticket_id, template_id = parse_id(parts[1]), parse_id(parts[2])
        if ticket_id is None or template_id is None:
            return None
        return cls(ticket_id, template_id)
