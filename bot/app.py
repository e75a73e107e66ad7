"""Builds the PTB Application: services in, handlers registered in one visible order."""

from __future__ import annotations

from telegram.ext import AIORateLimiter, Application, Defaults

from bot.commands import register_commands
from bot.context import CONTEXT_TYPES, KefuApplication
from bot.services import Kefu
from handlers import errors, fallback, language, middleware, start

# Handler groups run in order; within a group the first matching handler wins.
MIDDLEWARE_GROUP = -1
MAIN_GROUP = 0


def build_application(
    kefu: Kefu,
    token: str,
    *,
    base_url: str | None = None,
    base_file_url: str | None = None,
    rate_limit: bool = True,
) -> KefuApplication:
    builder = Application.builder().token(token).context_types(CONTEXT_TYPES)
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if rate_limit:
        # Queue sends within Telegram's limits, and retry a 429 after retry_after a few times
        # instead of failing the handler (PTB's default passes the first 429 through).
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    builder = builder.defaults(Defaults(tzinfo=kefu.timezone)).post_init(_post_init)
    application: KefuApplication = builder.build()  # type: ignore[assignment]
    application.bot_data.kefu = kefu

    application.add_handlers(middleware.build_handlers(), group=MIDDLEWARE_GROUP)
    application.add_handlers(
        [
            *start.build_handlers(),
            *language.build_handlers(),
            *fallback.build_handlers(),  # last: it catches whatever the others did not
        ],
        group=MAIN_GROUP,
    )
    application.add_error_handler(errors.report_error)  # type: ignore[arg-type]
    return application


async def _post_init(application: Application) -> None:
    kefu: Kefu = application.bot_data.kefu  # type: ignore[attr-defined]
    await register_commands(
        application.bot,
        kefu.catalogs,
        kefu.settings.staff_chat_id,
        list(kefu.settings.admin_ids),
    )
