"""Files customers send: photos, documents and videos, kept as Telegram file ids."""

from __future__ import annotations

from typing import Any

from telegram import Message
from telegram.ext import filters

from domain.desk.files import file_of

FILES = filters.PHOTO | filters.Document.ALL | filters.VIDEO


def from_message(message: Message) -> dict[str, Any]:
    """The file of a message as plain data (kept in a draft until the ticket exists)."""
    found = file_of(message)
    assert found is not None, "the FILES filter lets only photos, documents and videos through"
    return found
