"""The rules as written in the business TOML, validated at start-up.

    [[automation.rules]]
    id = "leak-first"
    trigger = "ticket_created"        # ticket_created, customer_wrote, sla_warning, sla_breach,
                                      # low_csat
    [automation.rules.when]           # every condition given must hold; none: always
    type = ["repair"]
    keywords = ["leak", "漏水"]
    business_hours = false
    [automation.rules.then]           # at least one action
    priority = "urgent"
    note = "Water leak reported out of hours: call the customer."

Pydantic names the key at fault (`automation.rules.0.when.regex`), like the rest of the file.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from storage.enums import Language, Priority, TicketType

_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_TEXT = 1000  # a note or a chat notice: one short message


class Trigger(StrEnum):
    TICKET_CREATED = "ticket_created"
    CUSTOMER_WROTE = "customer_wrote"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    LOW_CSAT = "low_csat"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _rule_id(value: str) -> str:
    if not _RULE_ID.match(value):
        raise ValueError(f"{value!r} is not an id: use a-z, 0-9, - and _ (like 'leak-first')")
    return value


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as error:
        raise ValueError(f"{value!r} is not a regular expression: {error}") from None
    return value


class Conditions(_Strict):
    """What the ticket must be for the rule to act; a list means "any of these"."""

    type: list[TicketType] | None = None
    product: list[str] | None = None
    language: list[Language] | None = None
    priority: list[Priority] | None = None
    tag: list[str] | None = None  # the customer carries any of these tags
    keywords: list[Annotated[str, Field(min_length=1)]] | None = None  # any, case-insensitive
    regex: Annotated[str, AfterValidator(_regex)] | None = None
    business_hours: bool | None = None  # true: only while the desk is open; false: only outside

    @property
    def reads_text(self) -> bool:
        return bool(self.keywords) or self.regex is not None


class StaffMember(_Strict):
    id: int
    name: Annotated[str, Field(min_length=1, max_length=64)]


class Actions(_Strict):
    priority: Priority | None = None
    assign: StaffMember | None = None
    tag: Annotated[str, Field(min_length=1, max_length=32)] | None = None
    template: Annotated[str, Field(min_length=1, max_length=64)] | None = None  # by name
    note: Annotated[str, Field(min_length=1, max_length=MAX_TEXT)] | None = None
    notify_chat: int | None = None
    emergency: bool = False

    @model_validator(mode="after")
    def _some(self) -> Actions:
        if not self.model_dump(exclude_defaults=True):
            raise ValueError(
                "a rule needs at least one action: priority, assign, tag, template, note, "
                "notify_chat or emergency"
            )
        return self


class Rule(_Strict):
    id: Annotated[str, AfterValidator(_rule_id)]
    trigger: Trigger
    when: Conditions = Field(default_factory=Conditions)
    then: Actions


class AutomationConfig(_Strict):
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} is used twice")
            seen.add(rule.id)
        return rules

    def for_trigger(self, trigger: Trigger) -> list[Rule]:
        return [rule for rule in self.rules if rule.trigger == trigger]

    @property
    def triggers(self) -> frozenset[Trigger]:
        return frozenset(rule.trigger for rule in self.rules)
