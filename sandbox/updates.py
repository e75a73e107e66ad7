"""A bot's update queue: ids, allowed_updates, confirmation by offset and long polling."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any

from sandbox.signals import Signal

UPDATE_TYPES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
# Telegram's default when allowed_updates is empty or never given.
DEFAULT_ALLOWED = UPDATE_TYPES - {"chat_member", "message_reaction", "message_reaction_count"}


class PollConflict(Exception):
    """This long poll was ended by a newer getUpdates or by setWebhook (Telegram's 409)."""


@dataclass
class _Poll:
    ended_by: str | None = None


class UpdateQueue:
    def __init__(self, first_update_id: int = 1) -> None:
        self._pending: deque[dict[str, Any]] = deque()
        self._next_id = first_update_id
        self.allowed: frozenset[str] = DEFAULT_ALLOWED
        self.changed = Signal()
        self.poll_started = Signal()  # a long poll began waiting (for tests and tools)
        self._poll: _Poll | None = None
        self.closed = False

    @property
    def next_id(self) -> int:
        return self._next_id

    @property
    def is_polling(self) -> bool:
        return self._poll is not None

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        # Telegram filters at creation time: updates made before a new allowed_updates stay.
        if kind not in self.allowed:
            return None
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self.changed.notify()
        return update

    def set_allowed(self, names: Any) -> None:
        """Applies an allowed_updates list; None (not given) keeps the current setting."""
        if names is None:
            return
        if not isinstance(names, list):
            return
        known = frozenset(n.lower() for n in names if isinstance(n, str)) & UPDATE_TYPES
        self.allowed = known or DEFAULT_ALLOWED

    def confirm(self, offset: int) -> None:
        if offset < 0:
            # A negative offset keeps only the last -offset updates; older ones are forgotten.
            while len(self._pending) > -offset:
                self._pending.popleft()
            return
        while self._pending and self._pending[0]["update_id"] < offset:
            self._pending.popleft()

    def pending(self) -> list[dict[str, Any]]:
        """The updates not yet confirmed or delivered, oldest first."""
        return list(self._pending)

    def first(self) -> dict[str, Any] | None:
        return self._pending[0] if self._pending else None

    def remove(self, update_id: int) -> None:
        if self._pending and self._pending[0]["update_id"] == update_id:
            self._pending.popleft()
        else:
            self._pending = deque(u for u in self._pending if u["update_id"] != update_id)

    def clear(self) -> None:
        self._pending.clear()

    def end_poll(self, reason: str | None) -> None:
        """Ends the waiting long poll, if any: with a 409 reason, or empty when None."""
        if self._poll is not None:
            self._poll.ended_by = reason or ""
            self._poll = None
            self.changed.notify()

    def close(self) -> None:
        self.closed = True
        self.end_poll(None)

    async def poll(self, offset: int | None, limit: int, timeout: float) -> list[dict[str, Any]]:
        if offset is not None:
            self.confirm(offset)
        self.end_poll(CONFLICT_OTHER_POLL)
        ticket = _Poll()
        self._poll = ticket
        if not self._pending and timeout > 0:
            self.poll_started.notify()
        try:
            deadline = _now() + max(0.0, timeout)
            while not self._pending and not self.closed:
                if ticket.ended_by is not None:
                    break
                if not await self.changed.wait(deadline - _now()):
                    break
            if ticket.ended_by:
                raise PollConflict(ticket.ended_by)
        finally:
            if self._poll is ticket:
                self._poll = None
        return list(self._pending)[:limit]


CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
CONFLICT_SET_WEBHOOK = "Conflict: terminated by setWebhook request"


def _now() -> float:
    return asyncio.get_running_loop().time()
