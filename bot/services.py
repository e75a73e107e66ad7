"""Everything a handler may need, built once at start-up and reached as `context.kefu`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.callback_answers import AnsweredQueries
from bot.clock import Clock
from bot.config import BusinessConfig, Settings
from bot.i18n import Catalogs
from bot.shown_messages import ShownMessages
from domain.desk.staff import StaffDirectory
from domain.rules.fair_use import CustomerBuckets
from domain.sla.calendar import BusinessCalendar
from storage.db import Database


@dataclass(eq=False)
class Kefu:
    settings: Settings
    config: BusinessConfig
    db: Database
    catalogs: Catalogs
    clock: Clock
    staff: StaffDirectory = field(default_factory=StaffDirectory)
    answered: AnsweredQueries = field(default_factory=AnsweredQueries)  # callback queries
    shown: ShownMessages = field(default_factory=ShownMessages)  # what edits put on messages
    buckets: CustomerBuckets = field(default_factory=CustomerBuckets)  # fair use, per customer

    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.timezone)

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return self.config.business_hours.calendar(self.timezone)

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.settings.admin_ids
