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
        if len(parts) != 4 or not (parts[2].isdigit() and parts[3].isdigit()):
            return None
        return cls(action, int(parts[2]), int(parts[3]))


# --- the admin's campaign buttons: ca:<action>:<campaign_id>[:<argument>] ------------------------

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
        if not (parts[2].isdigit() and parts[3].isdigit()):
            return None
        return cls(AdminAction(parts[1]), int(parts[2]), int(parts[3]))
