"""The sandbox's in-memory world: bots, people, chats, messages and the shared services."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from sandbox.calls import CallLog
from sandbox.errors import ApiError, ControlError, not_found
from sandbox.events import EventFeed
from sandbox.faults import FaultInjector
from sandbox.files import DEFAULT_MAX_TOTAL, FileStore
from sandbox.flood import DEFAULT_PER_GROUP_PER_MINUTE, DEFAULT_PER_SECOND, FloodControl
from sandbox.keyboards import ChatKey, ReplyKeyboards
from sandbox.model import (
    Bot,
    Conversation,
    Group,
    Human,
    PendingCallback,
    StoredMessage,
)
from sandbox.updates import UpdateQueue

# What api.telegram.org's front end accepts as a token; anything else is a plain 404.
_TOKEN = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]+$")


@dataclass
class SandboxConfig:
    default_bot_token: str | None = None
    bot_first_name: str = "Kefu"
    bot_username: str = "kefu_{id}_bot"  # formatted with the bot id
    flood_limits: bool = True
    per_second: float | None = DEFAULT_PER_SECOND
    per_group_per_minute: float | None = DEFAULT_PER_GROUP_PER_MINUTE
    webhook_timeout: float = 10.0
    webhook_retry_base: float = 0.05  # first retry delay; doubles up to webhook_retry_max
    webhook_retry_max: float = 2.0
    # Telegram refuses to answer a button press after about 15 s; None never expires.
    callback_query_ttl: float | None = 15.0
    # When set, only these tokens are accepted; others answer 401 Unauthorized.
    accept_tokens: frozenset[str] | None = None
    # All stored files together (uploads by bots and users); past it uploads answer 413.
    max_upload_bytes: int | None = DEFAULT_MAX_TOTAL


def now() -> int:
    return int(time.time())


class SandboxState:
    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.events = EventFeed()
        self.calls = CallLog()
        self.faults = FaultInjector()
        self.flood = FloodControl()
        self.files = FileStore(self.config.max_upload_bytes)
        self.keyboards = ReplyKeyboards()
        self.bots: dict[int, Bot] = {}
        self.default_bot_id: int | None = None
        self.humans: dict[int, Human] = {}
        self.groups: dict[int, Group] = {}
        self.conversations: dict[ChatKey, Conversation] = {}
        self.callbacks: dict[str, PendingCallback] = {}
        self.webhook_tasks: dict[int, asyncio.Task[None]] = {}
        # Observers of everything sent out: (method, Bot API answer body) for every call and
        # ("webhook", update) for every webhook POST. Tests use it to check conformance.
        self.taps: list[Callable[[str, dict[str, Any]], None]] = []
        self.closing = False
        self.shutdown = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        # update_ids survive a reset: a bot that keeps polling confirms by offset, and ids
        # starting over would be confirmed (lost) before it saw them.
        self._next_update_ids: dict[int, int] = {}
        self._reset_world()

    # -- bots ---------------------------------------------------------------------------

    def bot_for_token(self, token: str) -> Bot:
        """The bot a Bot API request acts as; unknown well-formed tokens create a bot."""
        match = _TOKEN.match(token)
        if not match:
            raise not_found()
        bot_id = int(match.group(1))
        if bot_id <= 0 or bot_id >= 1 << 54:
            raise ApiError(401, "Unauthorized: invalid token specified")
        accepted = self.config.accept_tokens
        if accepted is not None and token not in accepted:
            raise ApiError(401, "Unauthorized")
        bot = self.bots.get(bot_id)
        if bot is None:
            return self._add_bot(bot_id, token)
        if bot.token != token:
            # Same bot id, other secret: like a revoked token on Telegram.
            raise ApiError(401, "Unauthorized")
        return bot

    def _add_bot(self, bot_id: int, token: str) -> Bot:
        bot = Bot(
            id=bot_id,
            token=token,
            first_name=self.config.bot_first_name,
            username=self.config.bot_username.format(id=bot_id),
            updates=UpdateQueue(self._next_update_ids.get(bot_id, 1)),
        )
        self.bots[bot_id] = bot
        if self.default_bot_id is None:
            self.default_bot_id = bot_id
        return bot

    def control_bot(self, bot_id: Any = None) -> Bot:
        """The bot a control request is about: the given bot_id or the default bot."""
        if bot_id is None:
            bot_id = self.default_bot_id
        if bot_id is None:
            raise ControlError(
                409,
                "no bot has connected yet: call the Bot API with the bot's token first, "
                "or start the sandbox with default_bot_token",
            )
        bot = self.bots.get(int(bot_id))
        if bot is None:
            raise ControlError(404, f"unknown bot {bot_id}")
        return bot

    # -- chats and messages ---------------------------------------------------------------

    @staticmethod
    def chat_key(chat_id: int, bot_id: int | None) -> ChatKey:
        # A private chat's id is the user's id, so two bots' chats with a user share it.
        return (bot_id if chat_id > 0 else None, chat_id)

    def conversation(self, chat_id: int, bot_id: int | None) -> Conversation:
        key = self.chat_key(chat_id, bot_id)
        conversation = self.conversations.get(key)
        if conversation is None:
            # In a supergroup, message 1 is its creation (and the id of the General topic),
            # so the first real message, and the first forum topic, is number 2.
            first_id = 2 if chat_id < 0 else 1
            conversation = Conversation(chat_id, key[0], next_message_id=first_id)
            self.conversations[key] = conversation
        return conversation

    def add_message(self, conversation: Conversation, msg: StoredMessage) -> StoredMessage:
        conversation.messages[msg.message_id] = msg
        self.events.publish(
            "message", msg.chat_id, msg.message_id, thread_id=msg.thread_id,
            bot_id=conversation.bot_id,
        )  # fmt: skip
        return msg

    def publish(
        self, kind: str, conversation: Conversation, msg: StoredMessage | None = None
    ) -> None:
        self.events.publish(
            kind,
            conversation.chat_id,
            msg.message_id if msg else None,
            thread_id=msg.thread_id if msg else None,
            bot_id=conversation.bot_id,
        )

    def find_user_by_username(self, username: str) -> int | None:
        wanted = username.lstrip("@").lower()
        for human in self.humans.values():
            if human.username and human.username.lower() == wanted:
                return human.id
        for bot in self.bots.values():
            if bot.username.lower() == wanted:
                return bot.id
        return None

    def observe(self, what: str, body: dict[str, Any]) -> None:
        for tap in self.taps:
            tap(what, body)

    # -- lifecycle ------------------------------------------------------------------------

    def _reset_world(self) -> None:
        self.bots.clear()
        self.default_bot_id = None
        self.humans.clear()
        self.groups.clear()
        self.conversations.clear()
        self.callbacks.clear()
        self.files.clear()
        self.keyboards.clear()
        self.calls.clear()
        self.faults.clear()
        self.flood = FloodControl(
            self.config.flood_limits, self.config.per_second, self.config.per_group_per_minute
        )
        if self.config.default_bot_token:
            self.bot_for_token(self.config.default_bot_token)

    def reset(self) -> None:
        for bot in self.bots.values():
            self._next_update_ids[bot.id] = bot.updates.next_id
            bot.updates.close()
        for task in self.webhook_tasks.values():
            task.cancel()
        self.webhook_tasks.clear()
        self._reset_world()
        self.events.clear()
        self.events.publish("reset", None)

    async def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def close(self) -> None:
        self.closing = True
        self.shutdown.set()
        self.events.wake()
        for bot in self.bots.values():
            bot.updates.close()
        for task in self.webhook_tasks.values():
            task.cancel()
        if self.webhook_tasks:
            await asyncio.gather(*self.webhook_tasks.values(), return_exceptions=True)
        self.webhook_tasks.clear()
        if self._http is not None:
            await self._http.close()


STATE_KEY = web.AppKey("sandbox_state", SandboxState)
