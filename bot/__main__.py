"""Command line: `kefu sandbox` (offline demo), `kefu run` (real Telegram), `kefu migrate`,
`kefu check` (the configuration against Telegram, without starting)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from telegram.error import InvalidToken, NetworkError

from bot.config import ConfigError, Settings, load_settings
from bot.logs import setup_logging
from storage.db import DatabaseUnavailable

logger = logging.getLogger("kefu")


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


async def _run(settings: Settings, _args: argparse.Namespace) -> None:
    from bot.bootstrap import build_services
    from bot.runner import run_polling

    if settings.bot_token is None:
        raise ConfigError(["KEFU_BOT_TOKEN: not set; get a token from @BotFather and export it"])
    kefu = await build_services(settings)
    stop = asyncio.Event()
    _stop_on_signals(stop)
    api = settings.api_url.rstrip("/") if settings.api_url else None
    await run_polling(
        kefu,
        settings.bot_token.get_secret_value(),
        stop,
        base_url=f"{api}/bot" if api else None,
        base_file_url=f"{api}/file/bot" if api else None,
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


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Awaitable[None]]] = {
    "sandbox": _sandbox,
    "run": _run,
    "migrate": _migrate,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kefu", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sandbox = sub.add_parser("sandbox", help="start the offline Telegram sandbox with Kefu")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8081, help="0 takes a free port")
    sub.add_parser("run", help="run Kefu against Telegram (needs KEFU_BOT_TOKEN)")
    sub.add_parser("migrate", help="upgrade the database to the latest schema")
    sub.add_parser("check", help="check the configuration against Telegram without starting")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":  # reports bad settings itself, one line per check
        try:
            return asyncio.run(_check())
        except KeyboardInterrupt:
            return 130
    try:
        settings = load_settings()
        token = settings.bot_token
        setup_logging(settings.log_level, secrets=[token.get_secret_value()] if token else [])
        asyncio.run(COMMANDS[args.command](settings, args))
    except ConfigError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        return 2
    except DatabaseUnavailable as error:
        print(f"Database error: {error}", file=sys.stderr)
        return 3
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
