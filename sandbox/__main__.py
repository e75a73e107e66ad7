"""python -m sandbox [--host 127.0.0.1] [--port 8081]: the offline Telegram Bot API."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from sandbox.server import start_sandbox


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--default-bot-token", help="queue user messages for this bot at once")
    parser.add_argument(
        "--no-flood-limits", action="store_true", help="never answer 429 on its own"
    )
    parser.add_argument("--log-level", default="INFO")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    running = await start_sandbox(
        args.host,
        args.port,
        default_bot_token=args.default_bot_token,
        flood_limits=not args.no_flood_limits,
    )
    print(f"Kefu sandbox: Bot API at {running.bot_api_url}<token>/<method>", flush=True)
    print(f"              control API at {running.api_url}, web chat at {running.base_url}/")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await running.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
