"""Callback data of the buttons customers press on surveys, built and parsed only here.

    sv:t:<survey_id>:<score>       a star on a ticket's satisfaction survey
    sv:c:<recipient_id>:<value>    an answer to a campaign (score or option index)
    sv:nc                          no comment, thanks
    sv:stop                        stop campaign messages
    sv:pv                          a button on an admin's preview (does nothing)

Callback data comes from the client and can be forged: the handlers check that the presser is
the survey's customer, and that the value fits the question.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.rules.ids import parse_id

PATTERN = r"^sv:"


class Action(StrEnum):
    TICKET = "t"
    CAMPAIGN = "c"
    NO_COMMENT = "nc"
    STOP = "stop"
    PREVIEW = "pv"


_WITH_TARGET = (Action.TICKET, Action.CAMPAIGN)


@dataclass(frozen=True, slots=True)
class SurveyButton:
    action: Action
    target: int = 0  # the ticket survey or the campaign recipient
    value: int = 0

    def encode(self) -> str:
        if self.action in _WITH_TARGET:
            return f"sv:{self.action}:{self.target}:{self.value}"
        return f"sv:{self.action}"

    @classmethod
    def parse(cls, data: str | None) -> SurveyButton | None:
        """None for anything malformed."""
        parts = (data or "").split(":")
        if len(parts) < 2 or parts[0] != "sv" or parts[1] not in set(Action):
            return None
        action = Action(parts[1])
        if action not in _WITH_TARGET:
            return cls(action) if len(parts) == 2 else None
        if len(parts) != 4 or parse_id(parts[2]) is None or parse_id(parts[3]) is None:
            return None
        return cls(action, int(parts[2]), int(parts[3]))
