"""Start-up: settings, configuration, database (migrated) and catalogs, checked in that order."""

from __future__ import annotations

from bot.business_config import DEMO_OVERLAY, with_overlay
from bot.clock import Clock, clock_from_environment
from bot.config import ConfigError, Settings, load_business_config
from bot.i18n import Catalogs
from bot.services import Kefu
from domain.sla.tracking import sla_flush_hook
from storage import schema_version
from storage.db import Database


async def build_services(
    settings: Settings, clock: Clock | None = None, *, demo_sla: bool = False
) -> Kefu:
    """Raises ConfigError or DatabaseUnavailable with a message meant for the operator.

    `demo_sla` applies the sandbox demo's short timings (bot/demo.toml: SLA targets of minutes,
    the survey half a minute after resolution) unless a business config file was given, so a
    new user of the sandbox sees everything within minutes.
    """
    config = load_business_config(settings.config)
    if demo_sla and settings.config is None:
        config = with_overlay(config, DEMO_OVERLAY)
    try:
        clock = clock or clock_from_environment()
    except ValueError as error:
        raise ConfigError([str(error)]) from None
    if not await schema_version.is_current(settings.database_url):
        from storage import migrate  # Alembic, only when there is something to migrate

        await migrate.upgrade(settings.database_url)
    return Kefu(
        settings=settings,
        config=config,
        # Every change to a ticket recomputes its SLA timers in the same transaction.
        db=Database(settings.database_url, on_ticket_flush=sla_flush_hook(config, settings.zone)),
        catalogs=Catalogs(),
        clock=clock,
    )
