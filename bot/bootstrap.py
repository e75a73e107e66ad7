"""Start-up: settings, configuration, database (migrated) and catalogs, checked in that order."""

from __future__ import annotations

from bot.clock import Clock, SystemClock
from bot.config import Settings, load_business_config
from bot.i18n import Catalogs
from bot.services import Kefu
from storage import migrate
from storage.db import Database


async def build_services(settings: Settings, clock: Clock | None = None) -> Kefu:
    """Raises ConfigError or DatabaseUnavailable with a message meant for the operator."""
    config = load_business_config(settings.config)
    await migrate.upgrade(settings.database_url)
    return Kefu(
        settings=settings,
        config=config,
        db=Database(settings.database_url),
        catalogs=Catalogs(),
        clock=clock or SystemClock(),
    )
