"""Turning what users do into updates in the queues of the bots that should see it."""

from __future__ import annotations

from typing import Any

from sandbox.model import Bot, Conversation, StoredMessage
from sandbox.objects import bot_json, message_json, user_json
from sandbox.state import SandboxState, now


def bots_in(state: SandboxState, conversation: Conversation) -> list[Bot]:
    """A private chat's bot, or every bot for a group (each is a member there)."""
    if conversation.bot_id is not None:
        bot = state.bots.get(conversation.bot_id)
        return [bot] if bot else []
    return list(state.bots.values())


def deliver_message(
    state: SandboxState, conversation: Conversation, msg: StoredMessage, kind: str = "message"
) -> None:
    payload = message_json(state, conversation, msg)
    for bot in bots_in(state, conversation):
        push_update(state, bot, kind, payload)


def push_update(state: SandboxState, bot: Bot, kind: str, payload: dict[str, Any]) -> None:
    # The files a bot gets in an update are its own from now on (see files.py).
    state.files.share(bot.id, payload)
    bot.updates.push(kind, payload)


def deliver_my_chat_member(
    state: SandboxState,
    bot: Bot,
    chat: dict[str, Any],
    actor_id: int,
    old: dict[str, Any],
    new: dict[str, Any],
) -> None:
    me = bot_json(bot)
    bot.updates.push(
        "my_chat_member",
        {
            "chat": chat,
            "from": user_json(state, actor_id),
            "date": now(),
            "old_chat_member": {**old, "user": me},
            "new_chat_member": {**new, "user": me},
        },
    )
