"""SandboxUser: a simulated Telegram user driven through the sandbox's control API.

Get one from SandboxClient.create_user(...); see client.py for the whole picture.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from sandbox.chatview import ChatView, Message, describe, inline_buttons

if TYPE_CHECKING:
    from sandbox.client import SandboxClient


class SandboxUser:
    """A simulated person. `.chat` is their private chat with the bot."""

    def __init__(
        self, client: SandboxClient, user: dict[str, Any], *, phone_number: str | None = None
    ) -> None:
        self.client = client
        self.user = user  # the Bot API User
        self.id: int = user["id"]
        self.phone_number = phone_number

    def __repr__(self) -> str:
        return f"<SandboxUser {self.id} {self.user.get('first_name')!r}>"

    @property
    def chat(self) -> ChatView:
        return self.client.chat(self.id)

    async def _write(
        self, payload: dict[str, Any], chat_id: int | None, thread_id: int | None, reply_to: Any
    ) -> Message:
        payload = {"from": self.id, **payload}
        if chat_id is not None:
            payload["chat_id"] = chat_id
        if thread_id is not None:
            payload["message_thread_id"] = thread_id
        if reply_to is not None:
            payload["reply_to_message_id"] = (
                reply_to["message_id"] if isinstance(reply_to, dict) else reply_to
            )
        message = (await self.client.post("/messages", payload))["message"]
        self.client._advance(message)
        return message

    async def send(
        self,
        text: str,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | Message | None = None,
    ) -> Message:
        """Writes text (to the bot, or into a group/topic); "/cmd" gets a bot_command entity."""
        return await self._write({"text": text}, chat_id, thread_id, reply_to)

    async def send_photo(
        self,
        data: bytes,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | Message | None = None,
    ) -> Message:
        payload: dict[str, Any] = {"photo": base64.b64encode(data).decode()}
        if caption:
            payload["caption"] = caption
        return await self._write(payload, chat_id, thread_id, reply_to)

    async def send_document(
        self,
        file_name: str,
        data: bytes,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | Message | None = None,
    ) -> Message:
        document = {"file_name": file_name, "content": base64.b64encode(data).decode()}
        if mime_type:
            document["mime_type"] = mime_type
        payload: dict[str, Any] = {"document": document}
        if caption:
            payload["caption"] = caption
        return await self._write(payload, chat_id, thread_id, reply_to)

    async def send_video(
        self,
        data: bytes,
        *,
        file_name: str = "video.mp4",
        duration: int | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
        thread_id: int | None = None,
        reply_to: int | Message | None = None,
    ) -> Message:
        clip: dict[str, Any] = {"content": base64.b64encode(data).decode(), "file_name": file_name}
        if duration is not None:
            clip["duration"] = duration
        payload: dict[str, Any] = {"video": clip}
        if caption:
            payload["caption"] = caption
        return await self._write(payload, chat_id, thread_id, reply_to)

    async def send_sticker(
        self, emoji: str = "👍", *, chat_id: int | None = None, thread_id: int | None = None
    ) -> Message:
        return await self._write({"sticker": {"emoji": emoji}}, chat_id, thread_id, None)

    async def send_contact(
        self,
        phone_number: str,
        *,
        first_name: str | None = None,
        own: bool = True,
        chat_id: int | None = None,
    ) -> Message:
        """Shares a contact; `own` marks it as the user's own (user_id set, as Telegram does)."""
        contact: dict[str, Any] = {
            "phone_number": phone_number,
            "first_name": first_name or self.user.get("first_name") or "?",
        }
        if own:
            contact["user_id"] = self.id
        return await self._write({"contact": contact}, chat_id, None, None)

    async def send_location(
        self,
        latitude: float,
        longitude: float,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
    ) -> Message:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._write({"location": location}, chat_id, thread_id, None)

    async def edit(self, message_id: int, text: str, chat_id: int | None = None) -> Message:
        """Edits one of this person's messages; the bot gets an edited_message update."""
        payload: dict[str, Any] = {"from": self.id, "message_id": message_id, "text": text}
        if chat_id is not None:
            payload["chat_id"] = chat_id
        return (await self.client.post("/edits", payload))["message"]

    async def press(
        self,
        button_text: str,
        *,
        chat_id: int | None = None,
        thread_id: int | None = None,
        message_id: int | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any] | Message | None:
        """Presses a button by its text.

        An inline button is looked for in `message_id`, else in the newest bot message of the
        chat (or topic) that has an inline keyboard; pressing it returns the bot's
        answerCallbackQuery (text, show_alert, ...) or None if the bot did not answer within
        `timeout`. Otherwise a key of the reply keyboard this person sees is sent as text
        (a request_contact key shares their contact); that returns the sent message."""
        view = self.client.chat(chat_id if chat_id is not None else self.id, thread_id)
        messages = await view.messages()
        if message_id is not None:
            keyboard_message = next((m for m in messages if m["message_id"] == message_id), None)
            if keyboard_message is None:
                raise AssertionError(f"no message #{message_id} in {view!r}")
        else:
            keyboard_message = _newest_keyboard(messages)
        inline = inline_buttons(keyboard_message) if keyboard_message else []
        button = next((b for b in inline if b["text"] == button_text), None)
        if button is not None:
            if "callback_data" not in button:
                raise AssertionError(f"button {button_text!r} has no callback_data: {button}")
            assert keyboard_message is not None
            return await self._callback(
                view.chat_id, keyboard_message["message_id"], button["callback_data"], timeout
            )
        reply_keys: list[dict[str, Any]] = []
        if message_id is None:
            shown = await view.keyboard(self.id)
            reply_keys = [key for row in (shown or {}).get("keyboard", []) for key in row]
            key = next((k for k in reply_keys if k["text"] == button_text), None)
            if key is not None:
                if key.get("request_contact"):
                    phone = self.phone_number or f"+1555{self.id % 10**7:07d}"
                    return await self.send_contact(phone, chat_id=chat_id)
                return await self.send(button_text, chat_id=chat_id, thread_id=thread_id)
        where = f"message #{keyboard_message['message_id']}" if keyboard_message else "no message"
        raise AssertionError(
            f"no button {button_text!r} in {view!r}: inline buttons of {where}: "
            f"{[b['text'] for b in inline]}; reply keyboard: {[k['text'] for k in reply_keys]}"
            f"\nthe chat:\n{describe(messages)}"
        )

    async def press_forged(
        self,
        data: str,
        *,
        message_id: int | None = None,
        chat_id: int | None = None,
        thread_id: int | None = None,
        timeout: float = 5.0,
    ) -> dict[str, Any] | None:
        """Presses with callback data of its own, as a modified client can: `data` need match
        no button of the message (`message_id`, else the newest bot message with an inline
        keyboard in the chat or topic). Returns the bot's answerCallbackQuery, or None."""
        view = self.client.chat(chat_id if chat_id is not None else self.id, thread_id)
        if message_id is None:
            messages = await view.messages()
            keyboard_message = _newest_keyboard(messages)
            if keyboard_message is None:
                raise AssertionError(
                    f"no bot message with an inline keyboard in {view!r}\n"
                    f"the chat:\n{describe(messages)}"
                )
            message_id = keyboard_message["message_id"]
        return await self._callback(view.chat_id, message_id, data, timeout, forged=True)

    async def _callback(
        self, chat_id: int, message_id: int, data: str, timeout: float, *, forged: bool = False
    ) -> dict[str, Any] | None:
        payload: dict[str, Any] = {
            "from": self.id,
            "chat_id": chat_id,
            "message_id": message_id,
            "data": data,
            "timeout": timeout,
        }
        if forged:
            payload["forged"] = True
        answer = await self.client.request("POST", "/callbacks", json=payload, wait=timeout)
        return answer["answer"]

    async def keyboard(self, chat_id: int | None = None) -> dict[str, Any] | None:
        """The reply keyboard this person currently sees (in their chat with the bot)."""
        return await self.client.chat(chat_id or self.id).keyboard(self.id)

    async def block(self, blocked: bool = True) -> None:
        """Blocks (or unblocks) the bot: sends to this person then fail with 403."""
        await self.client.post("/blocks", {"user": self.id, "blocked": blocked})

    async def unblock(self) -> None:
        await self.block(False)


def _newest_keyboard(messages: list[Message]) -> Message | None:
    """The newest bot message with an inline keyboard: the one a press is for."""
    return next(
        (m for m in reversed(messages) if m["from"].get("is_bot") and inline_buttons(m)), None
    )
