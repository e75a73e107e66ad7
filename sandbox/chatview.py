"""ChatView: one chat (or one forum topic) seen from a test, with a reading cursor.

The cursor is the id of the last message the test has read; waiting for "the next bot message"
means the first bot message after it. Sending through SandboxUser moves the cursor past the
sent message, so a test reads top to bottom:

    await alice.send("/start")
    welcome = await alice.chat.wait_for_bot_message()
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.client import SandboxClient

Message = dict[str, Any]


def text_of(message: Message) -> str:
    """The text a reader sees: the text, or a media message's caption."""
    return str(message.get("text") or message.get("caption") or "")


def inline_buttons(message: Message) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def describe(messages: list[Message], last: int = 8) -> str:
    """A short transcript for assertion messages."""
    lines = []
    for m in messages[-last:]:
        who = "bot" if m.get("from", {}).get("is_bot") else m.get("from", {}).get("first_name")
        what = text_of(m) or next((k for k in m if k in _CONTENT_KEYS), "?")
        buttons = [b["text"] for b in inline_buttons(m)]
        lines.append(f"  #{m['message_id']} {who}: {what!r}" + (f" {buttons}" if buttons else ""))
    return "\n".join(lines) or "  (no messages)"


_CONTENT_KEYS = (
    "photo", "document", "video", "sticker", "contact", "location", "forum_topic_created",
    "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
)  # fmt: skip


class ChatView:
    def __init__(self, client: SandboxClient, chat_id: int, thread_id: int | None = None) -> None:
        self.client = client
        self.chat_id = chat_id
        self.thread_id = thread_id
        self.cursor = 0  # id of the last message read

    def __repr__(self) -> str:
        topic = f" topic {self.thread_id}" if self.thread_id else ""
        return f"<ChatView {self.chat_id}{topic} after #{self.cursor}>"

    def _params(self, **extra: Any) -> dict[str, Any]:
        params = {k: v for k, v in extra.items() if v is not None}
        if self.thread_id is not None:
            params["thread_id"] = self.thread_id
        return params

    def advance(self, message_id: int) -> None:
        self.cursor = max(self.cursor, message_id)

    async def messages(self, after: int | None = None) -> list[Message]:
        """The chat (or topic) in order, both directions; all of it unless `after` is given."""
        data = await self.client.get(f"/chats/{self.chat_id}/messages", self._params(after=after))
        return data["messages"]

    async def catch_up(self) -> None:
        """Marks everything so far as read."""
        messages = await self.messages(after=self.cursor)
        if messages:
            self.advance(messages[-1]["message_id"])

    async def _newer_bot_messages(self, after: int, timeout: float) -> list[Message]:
        data = await self.client.get(
            f"/chats/{self.chat_id}/messages/wait",
            self._params(after=after, timeout=round(max(timeout, 0.0), 3)),
            ok_statuses=(200, 408),
            wait=timeout,
        )
        return data.get("messages") or []

    async def _fail(self, what: str, timeout: float) -> AssertionError:
        transcript = describe(await self.messages())
        return AssertionError(f"{what} within {timeout:g} s in {self!r}; the chat:\n{transcript}")

    async def wait_for_bot_message(self, timeout: float = 10) -> Message:
        """The next bot message after the cursor (service messages don't count)."""
        found = await self._newer_bot_messages(self.cursor, timeout)
        if not found:
            raise await self._fail("no new bot message", timeout)
        self.advance(found[0]["message_id"])
        return found[0]

    async def wait_for_bot_messages(self, count: int, timeout: float = 10) -> list[Message]:
        """The next `count` bot messages after the cursor."""
        deadline = time.monotonic() + timeout
        collected: list[Message] = []
        after = self.cursor
        while len(collected) < count:
            remaining = deadline - time.monotonic()
            found = await self._newer_bot_messages(after, remaining) if remaining > 0 else []
            if not found:
                raise await self._fail(f"only {len(collected)} of {count} bot messages", timeout)
            collected += found
            after = found[-1]["message_id"]
        collected = collected[:count]
        self.advance(collected[-1]["message_id"])
        return collected

    async def wait_for_text(self, fragment: str, timeout: float = 10) -> Message:
        """The first bot message after the cursor whose text or caption contains `fragment`.

        Messages edited later are not searched: use wait_until for edits."""
        deadline = time.monotonic() + timeout
        after = self.cursor
        while True:
            remaining = deadline - time.monotonic()
            found = await self._newer_bot_messages(after, remaining) if remaining > 0 else []
            if not found:
                raise await self._fail(f"no bot message containing {fragment!r}", timeout)
            for message in found:
                if fragment in text_of(message):
                    self.advance(message["message_id"])
                    return message
            after = found[-1]["message_id"]

    async def last_bot_message(self) -> Message | None:
        bot_messages = [m for m in await self.messages() if m["from"].get("is_bot")]
        return bot_messages[-1] if bot_messages else None

    async def last_message(self) -> Message | None:
        messages = await self.messages()
        return messages[-1] if messages else None

    async def wait_until(
        self, predicate: Callable[[list[Message]], bool], timeout: float = 10
    ) -> list[Message]:
        """Re-reads the whole chat on every change until `predicate(messages)` holds."""
        deadline = time.monotonic() + timeout
        seq = (await self.client.events())["seq"]
        while True:
            messages = await self.messages()
            if predicate(messages):
                return messages
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"condition not met within {timeout:g} s in {self!r}; the chat:\n"
                    + describe(messages)
                )
            seq = (await self.client.events(after=seq, timeout=min(remaining, 30)))["seq"]

    async def wait_for_edit(
        self, message_id: int, fragment: str | None = None, timeout: float = 10
    ) -> Message:
        """Message `message_id` once it has been edited (and contains `fragment`, if given)."""

        def edited(messages: list[Message]) -> bool:
            return any(
                m["message_id"] == message_id
                and "edit_date" in m
                and (fragment is None or fragment in text_of(m))
                for m in messages
            )

        messages = await self.wait_until(edited, timeout)
        return next(m for m in messages if m["message_id"] == message_id)

    async def keyboard(self, user_id: int | None = None) -> dict[str, Any] | None:
        """The reply keyboard `user_id` sees here (the chat's user for a private chat)."""
        params = {"user": user_id} if user_id is not None else {}
        return (await self.client.get(f"/chats/{self.chat_id}/keyboard", params))["keyboard"]

    async def topics(self) -> list[dict[str, Any]]:
        return (await self.client.get(f"/chats/{self.chat_id}/topics"))["topics"]

    def topic(self, thread_id: int) -> ChatView:
        """The view of one forum topic of this chat."""
        return self.client.chat(self.chat_id, thread_id)
