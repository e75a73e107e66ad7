"""A client of the sandbox's control API, shaped so tests read like conversations.

    async with SandboxClient(sandbox.base_url) as client:
        alice = await client.create_user(1001, "Alice", language_code="en")
        await alice.send("/start")
        privacy = await alice.chat.wait_for_bot_message()
        await alice.press("Accept")                    # an inline button or a reply key
        staff = client.chat(-1001000000001, thread_id=42)
        card = await staff.wait_for_text("K-000001")

No method sleeps: waits use the sandbox's long-poll endpoints and end as soon as the
condition holds, or fail with an AssertionError that shows what the chat contained.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiohttp

from sandbox.chatview import ChatView, Message
from sandbox.client_user import SandboxUser

__all__ = ["ChatView", "SandboxApiError", "SandboxClient", "SandboxUser"]

_UNSET: Any = object()


class SandboxApiError(Exception):
    """The control API refused a request (4xx with {"error": ...})."""

    def __init__(self, status: int, error: str, path: str) -> None:
        super().__init__(f"{status} from {path}: {error}")
        self.status = status
        self.error = error


class SandboxClient:
    def __init__(
        self, base_url: str, *, bot_id: int | None = None, connections: int = 100
    ) -> None:
        """`connections`: at most this many requests at once (aiohttp's default, 100); every
        customer waiting for an answer holds one, so a driver of 1,000 needs more."""
        self.base_url = base_url.rstrip("/")
        self.connections = connections
        self.api_url = f"{self.base_url}/sandbox/api"
        self.bot_id = bot_id  # which bot private chats are with; None: the sandbox's default
        self._session: aiohttp.ClientSession | None = None
        self._views: dict[tuple[int, int | None], ChatView] = {}

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- HTTP -----------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        ok_statuses: Iterable[int] = (200,),
        wait: float = 0.0,
        raw: bool = False,
    ) -> dict[str, Any]:
        """The control API's JSON answer; with `raw`, the body's bytes whatever their type (a
        stored file may itself be JSON) as {"_body": bytes, "_type": content type}."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections)
            )
        if self.bot_id is not None:
            if json is not None:
                json = {"bot_id": self.bot_id, **json}
            params = {"bot_id": self.bot_id, **(params or {})}
        timeout = aiohttp.ClientTimeout(total=wait + 30)
        async with self._session.request(
            method, f"{self.api_url}{path}", json=json, params=params, timeout=timeout
        ) as response:
            if raw or response.content_type != "application/json":
                body = await response.read()
                if response.status not in tuple(ok_statuses):
                    raise SandboxApiError(
                        response.status, body[:200].decode(errors="replace"), path
                    )
                return {"_body": body, "_type": response.content_type}
            data = await response.json()
            if response.status not in tuple(ok_statuses):
                raise SandboxApiError(response.status, str(data.get("error", data)), path)
            return data

    async def get(
        self, path: str, params: dict[str, Any] | None = None, **kw: Any
    ) -> dict[str, Any]:
        return await self.request("GET", path, params=params, **kw)

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", path, json=payload)

    # -- people and chats -------------------------------------------------------------------

    async def create_user(
        self,
        id: int,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = None,
        last_name: str | None = None,
        phone_number: str | None = None,
    ) -> SandboxUser:
        """Creates (or updates) a person; their private chat with the bot is `.chat`."""
        payload = {"id": id, "first_name": first_name}
        extras = {
            "username": username,
            "language_code": language_code,
            "last_name": last_name,
            "phone_number": phone_number,
        }
        payload.update({k: v for k, v in extras.items() if v is not None})
        data = await self.post("/users", payload)
        return SandboxUser(self, data["user"], phone_number=phone_number)

    def user(self, id: int) -> SandboxUser:
        """A handle on a person created earlier (no request is made)."""
        return SandboxUser(self, {"id": id, "is_bot": False, "first_name": ""})

    async def users(self) -> list[dict[str, Any]]:
        return (await self.get("/users"))["users"]

    async def bots(self) -> list[dict[str, Any]]:
        return (await self.get("/bots"))["bots"]

    async def create_group(
        self,
        id: int,
        title: str,
        *,
        is_forum: bool = True,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        owner: int | None = None,
        bot_can_manage_topics: bool = True,
        username: str | None = None,
    ) -> dict[str, Any]:
        """Creates (or updates) a supergroup where every bot is an administrator; its Chat.

        With a `username` the group is public: anyone may write in it without joining."""
        payload: dict[str, Any] = {
            "id": id,
            "title": title,
            "is_forum": is_forum,
            "members": list(members),
            "admins": list(admins),
            "bot_can_manage_topics": bot_can_manage_topics,
        }
        if owner is not None:
            payload["owner"] = owner
        if username is not None:
            payload["username"] = username
        return (await self.post("/groups", payload))["chat"]

    async def chats(self, kind: str = "group") -> list[dict[str, Any]]:
        """Groups ("group"), people's chats with the bot ("private") or both ("all")."""
        return (await self.get("/chats", {"type": kind}))["chats"]

    def chat(self, chat_id: int, thread_id: int | None = None) -> ChatView:
        """The view of a chat or forum topic; the same object each time, so cursors persist."""
        key = (chat_id, thread_id)
        if key not in self._views:
            self._views[key] = ChatView(self, chat_id, thread_id)
        return self._views[key]

    def _advance(self, message: Message) -> None:
        """Moves the cursors of the views that show `message` past it."""
        chat_id = message["chat"]["id"]
        thread = message.get("message_thread_id") if message.get("is_topic_message") else None
        self.chat(chat_id)  # the whole-chat view exists from the first message on
        if thread is not None:
            self.chat(chat_id, thread)
        for (view_chat, view_thread), view in self._views.items():
            # the whole-chat view, the message's topic, or General (thread 1) for no topic
            shows = view_thread is None or view_thread == (thread if thread is not None else 1)
            if view_chat == chat_id and shows:
                view.advance(message["message_id"])

    async def file(self, file_id: str) -> bytes:
        return (await self.get(f"/files/{file_id}", raw=True))["_body"]

    # -- observing and steering ------------------------------------------------------------

    async def calls(self, method: str | None = None, *, after: int = 0) -> list[dict[str, Any]]:
        """Bot API calls so far (optionally of one method), oldest first."""
        params: dict[str, Any] = {"after": after}
        if method:
            params["method"] = method
        return (await self.get("/calls", params))["calls"]

    async def events(self, after: int | None = None, timeout: float = 0) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if after is not None:
            params = {"after": after, "timeout": timeout}
        return await self.get("/events", params, wait=timeout)

    async def set_limits(
        self,
        *,
        per_second: float | None = _UNSET,
        per_group_per_minute: float | None = _UNSET,
        enabled: bool | None = None,
    ) -> dict[str, Any]:
        """Flood limits; None removes one limit, enabled=False turns flood control off."""
        payload: dict[str, Any] = {}
        if per_second is not _UNSET:
            payload["per_second"] = per_second
        if per_group_per_minute is not _UNSET:
            payload["per_group_per_minute"] = per_group_per_minute
        if enabled is not None:
            payload["enabled"] = enabled
        return (await self.post("/limits", payload))["limits"]

    async def add_fault(
        self,
        method: str,
        kind: str,
        count: int = 1,
        retry_after: int | None = None,
        hang_seconds: float | None = None,
        execute: bool = False,
    ) -> dict[str, Any]:
        """The next `count` calls of `method` ("*": any) fail: "500", "502", "429" or "hang"."""
        payload: dict[str, Any] = {"method": method, "kind": kind, "count": count}
        if retry_after is not None:
            payload["retry_after"] = retry_after
        if hang_seconds is not None:
            payload["hang_seconds"] = hang_seconds
        if execute:
            payload["execute"] = True
        return (await self.post("/faults", payload))["fault"]

    async def clear_faults(self) -> None:
        await self.request("DELETE", "/faults")

    async def reset(self) -> None:
        await self.post("/reset", {})
        for view in self._views.values():
            view.cursor = 0
