"""Structured logging: one `key=value` line per event.

Message texts and phone numbers are personal data: they are only ever logged at DEBUG, and the
formatter masks anything that looks like a phone number whatever the level.
"""

from __future__ import annotations

import logging
import re
import sys

_PHONE = re.compile(r"(?<!\d)(\+?\d[\d \-]{6,}\d)(?!\d)")


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = _PHONE.sub("<phone>", record.getMessage())
        fields = getattr(record, "fields", None) or {}
        extra = " ".join(f"{key}={value}" for key, value in fields.items())
        line = (
            f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname:<7} "
            f"{record.name}: {message}"
        )
        if extra:
            line = f"{line} {_PHONE.sub('<phone>', extra)}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def log_event(logger: logging.Logger, message: str, /, **fields: object) -> None:
    logger.info(message, extra={"fields": fields})
