"""Builds the PTB Application: services in, handlers registered in one visible order."""

from __future__ import annotations

from telegram.ext import AIORateLimiter, Application, Defaults

from bot import desk, retention, surveys
from bot.commands import register_commands
from bot.context import CONTEXT_TYPES, KefuApplication
from bot.persistence import DatabasePersistence
from bot.services import Kefu
from bot.sla import alerts as sla_alerts
from handlers import (
    campaign_admin,
    campaigns,
    complaint,
    consultation,
    errors,
    fallback,
    followup,
    language,
    middleware,
    my_tickets,
    privacy,
    reachability,
    repair,
    returns,
    sla_view,
    staff,
    start,
)
from handlers import surveys as survey_answers

# Handler groups run in order; within a group the first matching handler wins, and a handler
# may end the update for all later groups.
MIDDLEWARE_GROUP = -2
SURVEYS_GROUP = -1  # survey answers are taken before a flow's catch-all could refuse them
MAIN_GROUP = 0


def build_application(
    kefu: Kefu,
    token: str,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    rate_limit: bool = True,
) -> KefuApplication:
    # No Updater: updates arrive through bot.inbox.DurableInbox, which stores them first.
    builder = Application.builder().token(token).context_types(CONTEXT_TYPES).updater(None)
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if rate_limit:
        # Queue sends within Telegram's limits, and retry a 429 after retry_after a few times
        # instead of failing the handler (PTB's default passes the first 429 through).
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    builder = builder.defaults(Defaults(tzinfo=kefu.timezone)).persistence(
        DatabasePersistence(kefu.db, kefu.clock.now)
    )
    application: KefuApplication = builder.build()  # type: ignore[assignment]
    application.bot_data.kefu = kefu

    application.add_handlers(middleware.build_handlers(), group=MIDDLEWARE_GROUP)
    application.add_handlers(
        [*survey_answers.build_handlers(), *campaign_admin.build_handlers()], group=SURVEYS_GROUP
    )
    timeout = kefu.config.support.conversation_timeout_minutes
    application.add_handlers(
        [
            # Staff first: in the staff chat nothing else applies.
            *staff.build_handlers(kefu.settings.staff_chat_id),
            *sla_view.build_handlers(kefu.settings.staff_chat_id),
            # Guided flows next, so that while one is under way it sees the customer's answers.
            consultation.build_handler(timeout),
            repair.build_handler(timeout),
            returns.build_handler(timeout),
            complaint.build_handler(timeout),
            campaigns.build_handler(timeout),
            *start.build_handlers(),
            *privacy.build_handlers(),
            *language.build_handlers(),
            *my_tickets.build_handlers(),
            *reachability.build_handlers(),
            *followup.build_handlers(),  # free text joins an open ticket
            *fallback.build_handlers(),  # last: whatever nothing else took
        ],
        group=MAIN_GROUP,
    )
    application.add_error_handler(errors.report_error)  # type: ignore[arg-type]
    assert application.job_queue is not None
    desk.schedule_jobs(application.job_queue)
    sla_alerts.schedule_jobs(application.job_queue, kefu)
    retention.schedule_jobs(application.job_queue, kefu)
    surveys.install(application, kefu)
    return application


async def on_startup(application: KefuApplication) -> None:
    """Work to do once the bot is initialised and before it takes updates.

    (PTB's `post_init` runs only under `run_polling()`; Kefu manages the lifecycle itself.)
    """
    kefu = application.bot_data.kefu
    await register_commands(
        application.bot,
        kefu.catalogs,
        kefu.settings.staff_chat_id,
        list(kefu.settings.admin_ids),
    )
