"""Builds the PTB Application: services in, handlers registered in one visible order."""

from __future__ import annotations

from telegram.ext import Application, Defaults

from bot.aiohttp_request import AiohttpRequest
from bot.commands import register_commands
from bot.context import CONTEXT_TYPES, KefuApplication
from bot.persistence import DatabasePersistence, DurableStepsApplication
from bot.preflight import require_staff_desk
from bot.send_budget import LaneRateLimiter
from bot.services import Kefu
from bot.shared_budget import Budgets, LocalBudgets
from domain.automation import jobs as automation_jobs
from domain.campaigns import jobs as campaign_jobs
from domain.care import events as care_events
from domain.care import reminders as care_reminders
from domain.care import visits as care_visits
from domain.desk import cards as desk_cards
from domain.desk import jobs as desk_jobs
from domain.privacy import retention
from domain.profiles import checks as profile_checks
from domain.reports import delivery as report_delivery
from domain.sla import alerts as sla_alerts
from domain.surveys import jobs as survey_jobs
from handlers import admin, common, customer, staff
from handlers.common import errors

# Who is served first when several could take an update: staff in the staff chat, then admins
# (while composing a campaign an admin's messages are the campaign's), then customers. Within
# each handler group (`handlers.common.groups`) the audiences keep this order; the fallbacks
# come last of all.
AUDIENCES = (staff, admin, customer)


def build_application(
    kefu: Kefu,
    token: str,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    rate_limit: bool = True,
    budgets: Budgets | None = None,
) -> KefuApplication:
    # No Updater: updates arrive through bot.inbox.DurableInbox, which stores them first.
    builder = (
        Application.builder()
        .application_class(DurableStepsApplication)
        .token(token)
        .context_types(CONTEXT_TYPES)
        .updater(None)
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
    )
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    # Queue sends within Telegram's limits (unless `rate_limit` is off), relays behind everything
    # else, and retry a 429 after retry_after a few times instead of failing the handler (PTB's
    # default passes the first 429 through). `budgets`: shared by every instance (Redis).
    budgets = budgets or LocalBudgets(limits=rate_limit)
    builder = builder.rate_limiter(LaneRateLimiter(max_retries=3, budgets=budgets))
    builder = builder.defaults(Defaults(tzinfo=kefu.timezone)).persistence(
        DatabasePersistence(kefu.db, kefu.clock.now)
    )
    application: KefuApplication = builder.build()  # type: ignore[assignment]
    application.bot_data.kefu = kefu

    for audience in AUDIENCES:
        application.add_handlers(audience.build_handlers(kefu))
    application.add_handlers(common.build_handlers())
    application.add_error_handler(errors.report_error)  # type: ignore[arg-type]
    assert application.job_queue is not None
    desk_jobs.schedule_jobs(application.job_queue)
    desk_cards.schedule_jobs(application.job_queue)
    sla_alerts.schedule_jobs(application.job_queue, kefu)
    retention.schedule_jobs(application.job_queue, kefu)
    survey_jobs.schedule_jobs(application.job_queue)
    report_delivery.schedule_jobs(application.job_queue)
    campaign_jobs.install(application, kefu)
    care_visits.schedule_jobs(application.job_queue)
    care_events.schedule_jobs(application.job_queue)
    care_reminders.schedule_jobs(application.job_queue)
    profile_checks.schedule_jobs(application.job_queue)
    automation_jobs.schedule_jobs(application.job_queue, kefu)
    return application


async def on_startup(application: KefuApplication) -> None:
    """Work to do once the bot is initialised and before it takes updates.

    (PTB's `post_init` runs only under `run_polling()`; Kefu manages the lifecycle itself.)
    """
    kefu = application.bot_data.kefu
    await require_staff_desk(application.bot, kefu.settings.staff_chat_id)
    await register_commands(
        application.bot,
        kefu.catalogs,
        kefu.settings.staff_chat_id,
        list(kefu.settings.admin_ids),
    )
