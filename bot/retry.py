"""Reading Telegram's flood-control answers the same way everywhere."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import RetryAfter


def retry_after_seconds(error: RetryAfter) -> float:
    """How long Telegram asked us to wait, in seconds."""
    # PTB 22 keeps the timedelta privately; the public attribute warns until PTB 23.
    value = getattr(error, "_retry_after", None)
    if not isinstance(value, timedelta):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
