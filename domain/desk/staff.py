"""Who counts as staff: the members of the configured staff chat, asked of Telegram and cached."""

from __future__ import annotations

import time

from telegram import Bot, ChatMember
from telegram.error import TelegramError

_ACTIVE = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


class StaffDirectory:
    """A short-lived cache: membership changes reach Kefu within `ttl` seconds."""

    def __init__(self, ttl: float = 60.0) -> None:
        self.ttl = ttl
        self._seen: dict[tuple[int, int], tuple[float, bool]] = {}

    async def is_member(self, bot: Bot, chat_id: int | None, user_id: int | None) -> bool:
        if chat_id is None or user_id is None:
            return False
        key = (chat_id, user_id)
        cached = self._seen.get(key)
        if cached and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
            active = member.status in _ACTIVE or (
                member.status == ChatMember.RESTRICTED
                and bool(getattr(member, "is_member", False))
            )
        except TelegramError:
            active = False
        self._seen[key] = (time.monotonic(), active)
        return active

    def forget(self) -> None:
        self._seen.clear()
