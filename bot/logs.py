"""Structured logging: one `key=value` line per event.

Message texts and phone numbers are personal data: they are only ever logged at DEBUG, and the
formatter masks anything that looks like a phone number whatever the level.
"""

from __future__ import annotations

import logging
import re
import sys

# International numbers (+86 138 0013 8000), grouped local ones (021-6888-1234) and Chinese
# mobiles (13800138000). Bare digit runs are left alone: Telegram ids are those.
_PHONE = re.compile(
    r"\+\d[\d \-]{6,}\d|(?<![\w-])\d{2,4}-\d{3,4}-\d{4}(?![\w-])|(?<!\w)1[3-9]\d{9}(?!\w)"
)


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
    # httpx logs every request URL at INFO, and the URL carries the bot token; the others
    # narrate their own start-up at INFO.
    for chatty in ("httpx", "aiohttp.access", "apscheduler", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
