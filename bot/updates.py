"""Telegram updates as the inbox keeps them: read back from their JSON, named for the metrics,
and sorted into lanes (the updates that must be handled one after the other)."""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot, Update

from storage.inbox_lanes import lane_of


def read_update(payload: str | None, bot: Bot) -> Update | None:
    """The stored update, or None if its payload is gone or cannot be read."""
    if payload is None:
        return None
    try:
        data = json.loads(payload)
        if "\\u0000" in payload:
            data = _without_nul(data)
        return Update.de_json(data, bot)
    except Exception:  # not logged: the error's text may quote the payload
        return None


def as_stored(update: Update, payload: str, bot: Bot) -> Update:
    """The update as handling it from the inbox would see it: read back when the payload has
    characters the reading takes out (NUL), else the update itself."""
    if "\\u0000" in payload:
        return read_update(payload, bot) or update
    return update


def _without_nul(value: Any) -> Any:
    """The update with NUL characters taken out of its texts: they show as nothing in
    Telegram, and PostgreSQL cannot store them in text, so a message carrying one would fail
    every time it was handled."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    return value


def update_kind(update: Update) -> str:
    """What the update carries ("message", "callback_query", ...), for the metrics."""
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def lane_of_update(update: Update) -> str:
    """Updates of one person in one chat share a lane (PTB's conversation key)."""
    chat, user = update.effective_chat, update.effective_user
    return lane_of(chat.id if chat else None, user.id if user else None)
