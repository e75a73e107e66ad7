"""Command line: `kefu sandbox` (offline demo), `kefu run` (real Telegram), `kefu migrate`,
`kefu check` (the configuration against Telegram, without starting), `kefu export` (a period's
tickets as CSV or JSON)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from telegram.error import InvalidToken, NetworkError

from bot.config import ConfigError, Settings, load_settings
from bot.event_loop import run_loop
from bot.instance import AnotherInstance
from bot.logs import setup_logging
from bot.shared_budget import RedisUnavailable
from storage.db import DatabaseUnavailable

if TYPE_CHECKING:  # the runner imports the whole bot: only `run` needs it
    from bot.runner import Webhook

logger = logging.getLogger("kefu")
export_logger = logging.getLogger("kefu.export")


class BadArguments(Exception):
    """An argument the operator mistyped: `main` prints it as one line and exits with 2."""


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)


async def _sandbox(settings: Settings, args: argparse.Namespace) -> None:
    from bot import demo
    from bot.bootstrap import build_services
    from bot.runner import run_polling
    from sandbox.server import start_sandbox

    settings = settings.model_copy(
        update={"staff_chat_id": demo.CAST.staff_chat_id, "admin_ids": demo.CAST.admins}
    )
    kefu = await build_services(settings, demo_sla=True)
    sandbox = await start_sandbox(
        host=args.host,
        port=args.port,
        default_bot_token=demo.DEMO_TOKEN,
        setup=demo.add_demo_route,
    )
    try:
        await demo.seed(sandbox.base_url)
        print(f"Kefu sandbox is running. Open {sandbox.base_url}/ in your browser.", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await run_polling(
            kefu,
            demo.DEMO_TOKEN,
            stop,
            base_url=f"{sandbox.base_url}/bot",
            base_file_url=f"{sandbox.base_url}/file/bot",
        )
    finally:
        await sandbox.stop()


async def _run(settings: Settings, args: argparse.Namespace) -> None:
    from bot.bootstrap import build_services
    from bot.long_lived import freeze_once_running
    from bot.runner import run_polling, run_webhook

    if settings.bot_token is None:
        raise ConfigError(["KEFU_BOT_TOKEN: not set; get a token from @BotFather and export it"])
    webhook = _webhook(settings) if args.webhook else None
    kefu = await build_services(settings)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    api = settings.api_url.rstrip("/") if settings.api_url else None
    urls = {
        "base_url": f"{api}/bot" if api else None,
        "base_file_url": f"{api}/file/bot" if api else None,
    }
    token = settings.bot_token.get_secret_value()
    running = asyncio.Event()
    freezing = asyncio.create_task(freeze_once_running(running))
    try:
        if webhook is None:
            await run_polling(kefu, token, stop, ready=running, **urls)
        else:
            await run_webhook(kefu, token, stop, webhook, ready=running, **urls)
    finally:
        freezing.cancel()


def _webhook(settings: Settings) -> Webhook:
    from bot.runner import Webhook

    missing = [
        f"{name}: not set; webhook mode needs it ({why})"
        for name, value, why in (
            (
                "KEFU_WEBHOOK_URL",
                settings.webhook_url,
                "the public HTTPS address Telegram posts to",
            ),
            ("KEFU_WEBHOOK_SECRET", settings.webhook_secret, "1-256 of A-Z, a-z, 0-9, _ and -"),
        )
        if value is None
    ]
    if missing:
        raise ConfigError(missing)
    assert settings.webhook_url is not None and settings.webhook_secret is not None
    return Webhook(
        settings.webhook_url,
        settings.webhook_secret.get_secret_value(),
        settings.webhook_max_connections,
    )


async def _migrate(settings: Settings, _args: argparse.Namespace) -> None:
    from storage import migrate

    await migrate.upgrade(settings.database_url)
    print(f"Database is up to date ({await migrate.current_revision(settings.database_url)}).")


async def _check() -> int:
    from bot.preflight import Verdict, check_configuration

    failed = False
    async for finding in check_configuration():
        print(finding, flush=True)
        failed = failed or finding.verdict is Verdict.PROBLEM
    return 2 if failed else 0


async def _export(settings: Settings, args: argparse.Namespace) -> None:
    from domain.reports.export import days_in_utc, write_csv, write_json
    from storage.db import Database
    from storage.ticket_export import tickets_created_between

    first_day, last_day = _day(args.since, "--since"), _day(args.until, "--until")
    if last_day < first_day:
        raise BadArguments(f"--until {last_day} is before --since {first_day}")
    since, until = days_in_utc(first_day, last_day, settings.zone)
    personal = args.with_personal_data
    await _require_current_schema(settings.database_url)
    written: int | None = None
    db = Database(settings.database_url)
    try:
        with _output(args.output, private=personal) as out:
            async with db.read_only() as session:
                rows = tickets_created_between(session, since, until, with_personal_data=personal)
                if args.format == "csv":
                    written = await write_csv(rows, out, with_personal_data=personal)
                else:
                    written = await write_json(
                        rows, out, since=since, until=until, with_personal_data=personal
                    )
    finally:
        await db.dispose()
        if personal:
            _log_personal_export(args, first_day, last_day, written)


async def _report(settings: Settings, args: argparse.Namespace) -> None:
    import json

    from bot.bootstrap import build_services
    from domain.reports.figures import report
    from domain.reports.periods import PeriodError, parse_period
    from domain.reports.render import as_plain_text, render_text, report_json

    await _require_current_schema(settings.database_url)  # reading only: never migrates
    kefu = await build_services(settings)
    try:
        today = kefu.clock.now().astimezone(kefu.timezone).date()
        try:
            period = parse_period(args.period, today=today, zone=kefu.timezone)
        except PeriodError as error:
            raise BadArguments(
                f"--period {args.period!r}: {error.reason.replace('_', ' ')}; use week, month, "
                "quarter or YYYY-MM-DD..YYYY-MM-DD (at most two years)"
            ) from None
        made = await report(kefu, period)
        if args.format == "json":
            print(json.dumps(report_json(made), ensure_ascii=False, indent=2))
        else:
            words = kefu.catalogs.for_language(args.language)
            print(as_plain_text(render_text(kefu, words, made)))
    finally:
        await kefu.db.dispose()


def _log_personal_export(
    args: argparse.Namespace, first_day: date, last_day: date, written: int | None
) -> None:
    # The audit trail of who took personal data out of Kefu, and where to; never a value.
    fields = {
        "os_user": _os_user(),
        "since": first_day,
        "until": last_day,
        "format": args.format,
        "output": args.output or "stdout",
        "tickets": "unfinished" if written is None else written,
    }
    export_logger.warning("personal data exported", extra={"fields": fields})


def _day(text: str, option: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise BadArguments(f"{option}: {text!r} is not a date like 2026-03-01") from None


async def _require_current_schema(url: str) -> None:
    # An export must not migrate (it only reads), nor fail on a missing table with a traceback.
    from storage import migrate

    current, head = await migrate.current_revision(url), migrate.head_revision()
    if current != head:
        raise DatabaseUnavailable(
            f"the database is at schema {current or 'none'}, this Kefu reads {head}: "
            "run `kefu migrate` first (or check KEFU_DATABASE_URL)"
        )


@contextlib.contextmanager
def _output(path: Path | None, *, private: bool) -> Iterator[BinaryIO]:
    """Standard output, or `path` written whole or not at all: a failed export leaves no
    partial file behind. With personal data (`private`) only the owner may read the file."""
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    partial = path.with_name(f".{path.name}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o666)
    except OSError as error:
        raise BadArguments(f"--output: cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:  # no login name and no passwd entry (some containers)
        return f"uid={os.getuid()}"


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Awaitable[None]]] = {
    "sandbox": _sandbox,
    "run": _run,
    "migrate": _migrate,
    "export": _export,
    "report": _report,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kefu", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sandbox = sub.add_parser("sandbox", help="start the offline Telegram sandbox with Kefu")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081, help="0 takes a free port")
    run = sub.add_parser("run", help="run Kefu against Telegram (needs KEFU_BOT_TOKEN)")
    run.add_argument(
        "--webhook",
        action="store_true",
        help="take updates by webhook (KEFU_WEBHOOK_URL, KEFU_WEBHOOK_SECRET, KEFU_LISTEN)",
    )
    sub.add_parser("migrate", help="upgrade the database to the latest schema")
    sub.add_parser("check", help="check the configuration against Telegram without starting")
    export = sub.add_parser(
        "export",
        help="write the tickets created in a period as CSV or JSON (docs/reports.md)",
        description="Days are in the business time zone (KEFU_TIMEZONE); both are included.",
    )
    export.add_argument("--since", required=True, metavar="YYYY-MM-DD", help="first day")
    export.add_argument("--until", required=True, metavar="YYYY-MM-DD", help="last day")
    export.add_argument("--format", required=True, choices=["csv", "json"])
    export.add_argument("--output", type=Path, metavar="FILE", help="default: standard output")
    export.add_argument(
        "--with-personal-data",
        action="store_true",
        help="include names, contacts, descriptions and messages (logged as a warning)",
    )
    report = sub.add_parser(
        "report",
        help="print a period's report figures, the same as /report (docs/reports.md)",
    )
    report.add_argument(
        "--period",
        default="week",
        metavar="PERIOD",
        help="week (the last full one, the default), month, quarter or YYYY-MM-DD..YYYY-MM-DD",
    )
    report.add_argument("--format", default="text", choices=["text", "json"])
    report.add_argument("--language", default="en", choices=["en", "zh_Hans", "zh_Hant"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":  # reports bad settings itself, one line per check
        try:
            return run_loop(_check())
        except KeyboardInterrupt:
            return 130
    try:
        settings = load_settings()
        token = settings.bot_token
        secrets = [
            value.get_secret_value()
            for value in (token, settings.webhook_secret, settings.redis_url)
            if value
        ]
        setup_logging(settings.log_level, secrets=secrets)
        run_loop(COMMANDS[args.command](settings, args))
    except BadArguments as error:
        print(f"kefu {args.command}: {error}", file=sys.stderr)
        return 2
    except ConfigError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as error:
        print(f"Database error: {error}", file=sys.stderr)
        return 3
    except RedisUnavailable as error:
        print(f"Not started: {error}", file=sys.stderr)
        return 3
    except AnotherInstance as error:
        print(f"Not started: {error}", file=sys.stderr)
        return 5
    except InvalidToken:
        print("Telegram rejected KEFU_BOT_TOKEN: check it with @BotFather.", file=sys.stderr)
        return 2
    except (NetworkError, OSError) as error:
        print(f"Could not reach Telegram or the database server: {error}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
