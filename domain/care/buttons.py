"""Callback data of the service record's "Download PDF" button, built and parsed only here.

    rec:pdf:<ticket_id>

Callback data comes from the client and can be forged: the handler checks that whoever
pressed is the ticket's customer.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.rules.ids import parse_id

PATTERN = r"^rec:"


@dataclass(frozen=True, slots=True)
class RecordButton:
    ticket_id: int

    def encode(self) -> str:
        return f"rec:pdf:{self.ticket_id}"

    @classmethod
    def parse(cls, data: str | None) -> RecordButton | None:
        """None for anything malformed."""
        parts = (data or "").split(":")
        if len(parts) != 3 or parts[:2] != ["rec", "pdf"]:
            return None
        ticket_id = parse_id(parts[2])
        return None if ticket_id is None else cls(ticket_id)
