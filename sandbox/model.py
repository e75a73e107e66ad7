"""Plain data kept by the sandbox: people, bots, chats, topics, messages, files, callbacks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sandbox.updates import UpdateQueue

JSON = dict[str, Any]


@dataclass
class Human:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    # Not part of the Bot API User; used when the user shares their contact.
    phone_number: str | None = None


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Bot:
    id: int
    token: str
    first_name: str
    username: str
    updates: UpdateQueue
    webhook: WebhookConfig | None = None
    blocked_by: set[int] = field(default_factory=set)
    # (scope key, language code) -> commands; scope key is e.g. ("default",) or ("chat", id).
    commands: dict[tuple[tuple[Any, ...], str], list[JSON]] = field(default_factory=dict)
    # (field name, language code) -> text, for setMyName / setMyDescription / ...
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    menu_buttons: dict[int | None, JSON] = field(default_factory=dict)


@dataclass
class Topic:
    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    is_closed: bool = False


@dataclass
class Group:
    """A supergroup (optionally a forum). Every bot is a member and an administrator."""

    id: int
    title: str
    is_forum: bool
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    owner: int | None = None
    bot_can_manage_topics: bool = True
    topics: dict[int, Topic] = field(default_factory=dict)
    general_closed: bool = False
    # A public group (it has a @username) lets anyone write without joining, as Telegram does
    # for public supergroups without "join to send messages".
    username: str | None = None


@dataclass
class StoredMessage:
    message_id: int
    chat_id: int
    sender_id: int
    date: int
    # Bot API content fields as they appear in Message: text/entities, photo/caption, ...
    content: JSON
    thread_id: int | None = None
    is_topic_message: bool = False
    reply_to: int | None = None
    reply_markup: JSON | None = None  # inline keyboards only; reply keyboards never show here
    edit_date: int | None = None
    media_group_id: str | None = None
    forward_origin: JSON | None = None
    sender_is_bot: bool = False


@dataclass
class Conversation:
    """The messages of one chat as one bot (private chat) or every bot (group) sees them."""

    chat_id: int
    bot_id: int | None  # None for groups, shared by all bots
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1

    def allocate_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    mime_type: str | None = None
    file_name: str | None = None
    # What the uploader said about a video (width, height, duration), kept for reuse by id.
    meta: dict[str, int] = field(default_factory=dict)
    # The bots that may use it: the uploader and every bot it was shown to (see files.py).
    bot_ids: set[int] = field(default_factory=set)


@dataclass
class PendingCallback:
    id: str
    bot_id: int
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answer: JSON | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)
