"""PTB persistence in Kefu's own database: guided flows survive a restart of the bot.

Only conversations and `user_data` (the answers of a flow in progress) are kept; everything
else durable is in the tables proper. The inbox (`bot.inbox`) has PTB write what an update
changed before it marks the update handled, so a hard kill never undoes a step whose update
will not be replayed; PTB's own writes every `update_interval` seconds cover jobs. A user's
answers are written only when they changed: PTB hands over every user who sent an update.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict, ConversationKey

from storage import flow_state
from storage.db import Database

logger = logging.getLogger("kefu.persistence")
UPDATE_INTERVAL = 1.0


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, db: Database, now: Callable[[], Any]) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=UPDATE_INTERVAL,
        )
        self._db = db
        self._now = now
        self._written: dict[int, bytes] = {}  # user id -> digest of what is stored

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._db.read_only() as session:
            saved = await flow_state.conversations(session, name)
        return {tuple(json.loads(key)): json.loads(state) for key, state in saved.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        state = None if new_state is None else json.dumps(new_state)
        async with self._db.unit_of_work() as session:
            await flow_state.save_conversation(
                session, name, json.dumps(list(key)), state, now=self._now()
            )

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        async with self._db.read_only() as session:
            saved = await flow_state.all_user_data(session)
        loaded: dict[int, dict[Any, Any]] = {}
        for user_id, blob in saved.items():
            try:
                loaded[user_id] = pickle.loads(blob)  # our own bytes, written below
                self._written[user_id] = _digest(blob)
            except Exception:  # a draft from an older version of the code: start afresh
                logger.warning("dropping unreadable flow state of user %s", user_id)
        return loaded

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        blob = pickle.dumps(deepcopy(data)) if data else None
        digest = _digest(blob)
        if self._written.get(user_id) == digest:
            return
        async with self._db.unit_of_work() as session:
            kept = await flow_state.save_user_data(session, user_id, blob, now=self._now())
        if kept:
            self._written[user_id] = digest
        else:  # refused (no consent): nothing is stored, whatever it was
            self._written[user_id] = _digest(None)

    async def drop_user_data(self, user_id: int) -> None:
        async with self._db.unit_of_work() as session:
            await flow_state.save_user_data(session, user_id, None, now=self._now())
        self._written.pop(user_id, None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to do: this process is the only writer of user data."""

    # Not stored: bot_data carries the services, and chat data / callback data are unused.
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        """Every write above is committed at once: nothing is buffered."""


def _digest(blob: bytes | None) -> bytes:
    return hashlib.blake2b(blob or b"", digest_size=16).digest()
