"""Callback data of the admins' campaign buttons, `ca:<action>:<campaign_id>:<days>`, built and
parsed only here. Callback data can be forged: the handlers check that the presser is an admin."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.rules.ids import parse_id

ADMIN_PATTERN = r"^ca:"


class AdminAction(StrEnum):
    SHOW = "show"  # post the status message (it is then kept up to date)
    START = "start"  # a scheduled campaign starts now
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    PREVIEW = "preview"
    RESULTS = "results"
    CHART = "chart"
    CSV = "csv"
    TICKETS = "tickets"  # after-ticket survey results; the argument is the period in days
    TICKETS_CHART = "tchart"
    TICKETS_CSV = "tcsv"


@dataclass(frozen=True, slots=True)
class AdminButton:
    action: AdminAction
    campaign_id: int = 0
    days: int = 0  # the period of after-ticket results

    def encode(self) -> str:
        return f"ca:{self.action}:{self.campaign_id}:{self.days}"

    @classmethod
    def parse(cls, data: str | None) -> AdminButton | None:
        parts = (data or "").split(":")
        if len(parts) != 4 or parts[0] != "ca" or parts[1] not in set(AdminAction):
            return None
        if parse_id(parts[2]) is None or parse_id(parts[3]) is None:
            return None
        return cls(AdminAction(parts[1]), int(parts[2]), int(parts[3]))
