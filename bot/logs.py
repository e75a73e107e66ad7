"""Structured logging: one `key=value` line per event.

Message texts and phone numbers are personal data and the bot token is a secret: every line the
root handler writes, Kefu's or a library's, goes through `LogMasker` whatever the level (see
`bot/log_masking.py` for the rules).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

from bot.log_masking import LogMasker


class KeyValueFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._mask = LogMasker(secrets)

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {}
        extra = " ".join(f"{key}={value}" for key, value in fields.items())
        line = (
            f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname:<7} "
            f"{record.name}: {record.getMessage()}"
        )
        if extra:
            line = f"{line} {extra}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        # Masked as a whole: exception messages and stack frames carry values too.
        return self._mask(line)


def setup_logging(level: str = "INFO", *, secrets: Iterable[str] = ()) -> None:
    """`secrets` (the bot token) are masked literally, whatever their shape."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO, and the URL carries the bot token; the others
    # narrate their own start-up at INFO.
    for chatty in ("httpx", "aiohttp.access", "apscheduler", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    # At DEBUG aiosqlite logs every statement with its parameters and rows as bare tuples
    # (`('Alice', 'alice_w', ...)`): no key tells the masker which value is a name. SQLAlchemy
    # quiets its own loggers to WARNING the same way when imported.
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
