"""Which reply keyboard each user currently sees in each chat.

Per the spec Message.reply_markup can only be an inline keyboard, so reply keyboards live
here and the control API shows them per user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.markup import Markup

ChatKey = tuple[int | None, int]  # (bot id for private chats or None for groups, chat id)


@dataclass
class _ChatKeyboards:
    default: dict[str, Any] | None = None
    per_user: dict[int, dict[str, Any] | None] = field(default_factory=dict)

    def shown(self, user_id: int) -> dict[str, Any] | None:
        return self.per_user.get(user_id, self.default)


class ReplyKeyboards:
    def __init__(self) -> None:
        self._chats: dict[ChatKey, _ChatKeyboards] = {}

    def shown(self, key: ChatKey, user_id: int) -> dict[str, Any] | None:
        chat = self._chats.get(key)
        return chat.shown(user_id) if chat else None

    def apply(self, key: ChatKey, markup: Markup | None, targets: set[int], private: bool) -> bool:
        """Applies a bot message's markup; `targets` are the users a selective one is for."""
        if markup is None or markup.kind not in ("keyboard", "remove"):
            return False
        value = markup.value if markup.kind == "keyboard" else None
        chat = self._chats.setdefault(key, _ChatKeyboards())
        if markup.selective and not private:
            for user_id in targets:
                chat.per_user[user_id] = value
        else:
            chat.default = value
            chat.per_user.clear()
        return True

    def user_sent(self, key: ChatKey, user_id: int) -> bool:
        """A one-time keyboard hides once its user has sent a message."""
        chat = self._chats.get(key)
        shown = chat.shown(user_id) if chat else None
        if chat is None or not shown or not shown.get("one_time_keyboard"):
            return False
        chat.per_user[user_id] = None
        return True

    def forget_chat(self, key: ChatKey) -> None:
        self._chats.pop(key, None)

    def clear(self) -> None:
        self._chats.clear()
