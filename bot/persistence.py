"""PTB persistence in Kefu's own database: guided flows survive a restart of the bot.

Only conversations and `user_data` (the answers of a flow in progress) are kept; everything
else durable is in the tables proper. The inbox (`bot.inbox`) has PTB write what an update
changed before it marks the update handled, so a hard kill never undoes a step whose update
will not be replayed; PTB's own writes every `update_interval` seconds cover jobs.

A step changes two things: where the flow is (its conversation state) and what was answered
(`user_data`). PTB hands them over as separate, concurrent calls, so each call only notes what
is to be written, and `write_pending` (run after every `update_persistence`, see
`DurableStepsApplication`) writes all of it in one transaction: a kill leaves the step whole or
not taken at all, never the flow at the next step with the answers of the one before. A user's
answers are written only when they changed: PTB hands over every user who sent an update.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import pickle
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from telegram.ext import Application, BasePersistence, ConversationHandler, PersistenceInput
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
        # What is stored for a user `_written` does not name: unknown until every user's data
        # was read at start (`get_user_data`), then nothing. So a newcomer's empty data is not
        # written (deleted) at their first update.
        self._unnamed: bytes | None = None
        # Noted by PTB's calls, written together by `write_pending`.
        self._conversations: dict[tuple[str, str], str | None] = {}  # (handler, key) -> state
        self._users: dict[int, bytes | None] = {}  # user id -> pickled user_data, None: drop
        self._writing = asyncio.Lock()
        # Conversations under way as this process knows them: (handler, key) of each.
        self._under_way: set[tuple[str, tuple[Any, ...]]] = set()

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self._db.read_only() as session:
            saved = await flow_state.conversations(session, name)
        loaded = {tuple(json.loads(key)): json.loads(state) for key, state in saved.items()}
        self._under_way |= {(name, key) for key in loaded}
        return loaded

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        state = None if new_state is None else json.dumps(new_state)
        self._conversations[(name, json.dumps(list(key)))] = state
        if new_state is None:
            self._under_way.discard((name, tuple(key)))
        else:
            self._under_way.add((name, tuple(key)))

    def under_way(self, key: tuple[Any, ...]) -> bool:
        """Whether a conversation with `key` ((chat id, user id)) is under way here."""
        return any(known == key for _name, known in self._under_way)

    async def reload(self, application: Application, chat_id: int, user_id: int) -> None:
        """Read one person's flow in one chat (its steps, its answers) back from the database,
        in place of what this process holds: another instance may have taken it further
        (`bot.lanes`). PTB keeps both in memory and offers no reload for conversations, so the
        conversation handlers' own dicts are set, without marking anything to write back."""
        key = (chat_id, user_id)
        handlers = persistent_conversations(application)
        async with self._db.read_only() as session:
            names = [handler.name for handler in handlers if handler.name]
            states = await flow_state.conversations_of(session, names, json.dumps(list(key)))
            blob = await flow_state.user_data_of(session, user_id)
        for handler in handlers:
            state = states.get(handler.name or "")
            conversations = handler._conversations  # PTB has no reload
            if state is None:
                conversations.data.pop(key, None)
                self._under_way.discard((handler.name or "", key))
            else:
                conversations.update_no_track({key: json.loads(state)})
                self._under_way.add((handler.name or "", key))
        users = application._user_data  # the mapping PTB fills from get_user_data
        try:
            users[user_id] = pickle.loads(blob) if blob else application.context_types.user_data()
        except Exception:  # a draft from an older version of the code: start afresh
            logger.warning("dropping unreadable flow state of user %s", user_id)
            users[user_id] = application.context_types.user_data()
        self._written[user_id] = _digest(blob)

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
                self._written[user_id] = b"unreadable"  # stored, and to be replaced
        self._unnamed = _digest(None)
        return loaded

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        blob = pickle.dumps(deepcopy(data)) if data else None
        if user_id in self._users or self._written.get(user_id, self._unnamed) != _digest(blob):
            self._users[user_id] = blob

    async def drop_user_data(self, user_id: int) -> None:
        self._users[user_id] = None

    async def write_pending(self) -> None:
        """Write everything noted since the last call, in one transaction.

        The lock is held until the commit: a caller whose notes another caller took along must
        not return (and have its update marked handled) before they are committed."""
        async with self._writing:
            conversations, self._conversations = self._conversations, {}
            users, self._users = self._users, {}
            if not conversations and not users:
                return
            try:
                kept: dict[int, bool] = {}
                async with self._db.unit_of_work() as session:
                    now = self._now()
                    for (name, key), state in conversations.items():
                        await flow_state.save_conversation(session, name, key, state, now=now)
                    for user_id, blob in users.items():
                        kept[user_id] = await flow_state.save_user_data(
                            session, user_id, blob, now=now
                        )
            except BaseException:
                # Nothing was written: put the notes back, behind any newer ones.
                self._conversations = conversations | self._conversations
                self._users = users | self._users
                raise
            for user_id, blob in users.items():
                # Refused (no consent): nothing is stored, whatever it was.
                self._written[user_id] = _digest(blob if kept[user_id] else None)

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
        """PTB's last call at shutdown."""
        await self.write_pending()


class DurableStepsApplication(Application):  # type: ignore[type-arg]
    """PTB's Application, with each run of `update_persistence` written as one transaction
    before it returns: PTB calls it on its own every `update_interval` seconds, and the inbox
    after every update."""

    async def update_persistence(self) -> None:
        await super().update_persistence()
        if isinstance(self.persistence, DatabasePersistence):
            await self.persistence.write_pending()


def persistent_conversations(application: Application) -> list[ConversationHandler]:
    return [
        handler
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, ConversationHandler) and handler.persistent
    ]


def _digest(blob: bytes | None) -> bytes:
    return hashlib.blake2b(blob or b"", digest_size=16).digest()
