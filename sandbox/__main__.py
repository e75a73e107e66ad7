"""python -m sandbox [--host 127.0.0.1] [--port 8081]: the offline Telegram Bot API."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from sandbox.files import DEFAULT_MAX_TOTAL
from sandbox.gc_pauses import collect_every_second, keep_full_collections_short
from sandbox.server import start_sandbox

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def _byte_size(text: str) -> int:
    """A size in bytes: 268435456, 256M, 512K or 1G (powers of 1024)."""
    raw = text.strip().upper().removesuffix("B")
    unit = raw[-1:] if raw[-1:] in _UNITS else ""
    number = raw[: len(raw) - len(unit)]
    if not number.isdigit():
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 268435456 or 256M)")
    return int(number) * _UNITS[unit]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--default-bot-token", help="queue user messages for this bot at once")
    parser.add_argument(
        "--no-flood-limits", action="store_true", help="never answer 429 on its own"
    )
    parser.add_argument(
        "--max-upload-bytes",
        type=_byte_size,
        default=DEFAULT_MAX_TOTAL,
        help="memory for all stored files together, e.g. 256M (default); past it, 413",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser


async def _serve(args: argparse.Namespace) -> None:
    keep_full_collections_short()  # a process of its own: only the sandbox's objects freeze
    running = await start_sandbox(
        args.host,
        args.port,
        default_bot_token=args.default_bot_token,
        flood_limits=not args.no_flood_limits,
        max_upload_bytes=args.max_upload_bytes,
    )
    print(f"Kefu sandbox: Bot API at {running.bot_api_url}<token>/<method>", flush=True)
    print(f"              control API at {running.api_url}, web chat at {running.base_url}/")
    collecting = asyncio.create_task(collect_every_second())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        collecting.cancel()
        await running.stop()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper())
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
