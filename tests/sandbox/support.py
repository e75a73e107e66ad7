"""Helpers for the sandbox's tests: raw Bot API calls, a PTB bot, conformance checks."""

from __future__ import annotations

import json
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import telegram
from telegram.ext import Application

from sandbox.spec import BotApiSpec

TOKEN = "123456789:SANDBOX-TEST-TOKEN"
BOT_ID = 123456789


class BotApi:
    """Plain HTTP calls to the sandbox's Bot API, for checking exact answers."""

    def __init__(self, base_url: str, token: str = TOKEN) -> None:
        self.base_url = base_url
        self.token = token
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def call(self, method: str, *, token: str | None = None, **params: Any) -> tuple:
        """(HTTP status, decoded body) of a JSON-body call."""
        url = f"{self.base_url}/bot{token or self.token}/{method}"
        async with self.session.post(url, json=params) as response:
            return response.status, await response.json(content_type=None)

    async def form(self, method: str, data: aiohttp.FormData | dict[str, str]) -> tuple:
        url = f"{self.base_url}/bot{self.token}/{method}"
        async with self.session.post(url, data=data) as response:
            return response.status, await response.json(content_type=None)

    async def ok(self, method: str, **params: Any) -> Any:
        status, body = await self.call(method, **params)
        assert status == 200 and body["ok"], (method, status, body)
        return body["result"]

    async def error(self, method: str, **params: Any) -> tuple[int, str]:
        status, body = await self.call(method, **params)
        assert not body["ok"] and status == body["error_code"], (method, status, body)
        return status, body["description"]

    async def download(self, file_path: str) -> bytes:
        url = f"{self.base_url}/file/bot{self.token}/{file_path}"
        async with self.session.get(url) as response:
            assert response.status == 200, await response.text()
            return await response.read()


def ptb_application(
    base_url: str, token: str = TOKEN, *, with_updater: bool = True, **timeouts: float
) -> Application:
    """A PTB Application aimed at the sandbox; `timeouts` are builder settings like
    read_timeout=0.5 or get_updates_read_timeout=2."""
    builder = (
        Application.builder()
        .token(token)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
    )
    if not with_updater:
        builder = builder.updater(None)
    for name, value in timeouts.items():
        builder = getattr(builder, name)(value)
    return builder.build()


@asynccontextmanager
async def polling(app: Application, timeout: int = 1) -> AsyncIterator[Application]:
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def ptb_parse(type_expr: str, value: Any, bot: telegram.Bot) -> None:
    """Parses `value` with PTB's class for `type_expr`, failing on any warning."""
    if type_expr.startswith("Array of "):
        for item in value:
            ptb_parse(type_expr[len("Array of ") :], item, bot)
        return
    cls = getattr(telegram, type_expr, None)
    if cls is None or not isinstance(value, dict):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = cls.de_json(value, bot)
    assert parsed is not None
    assert not parsed.api_kwargs, (
        f"PTB does not know these {type_expr} fields: {parsed.api_kwargs}"
    )


class Conformance:
    """Everything the sandbox sent in a test, checked against the spec and PTB at the end."""

    def __init__(self, spec: BotApiSpec) -> None:
        self.spec = spec
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.bot = telegram.Bot(TOKEN)

    def tap(self, what: str, body: dict[str, Any]) -> None:
        # Copy now: later edits must not change what was sent.
        self.seen.append((what, json.loads(json.dumps(body))))

    def check(self) -> int:
        for what, body in self.seen:
            if what == "webhook":
                self.spec.check(body, "Update")
                ptb_parse("Update", body, self.bot)
            elif body.get("ok"):
                self.check_result(what, body["result"])
            else:
                assert set(body) <= {"ok", "error_code", "description", "parameters"}, body
                assert isinstance(body["error_code"], int), body
                assert isinstance(body["description"], str), body
                if "parameters" in body:
                    self.spec.check(body["parameters"], "ResponseParameters")
        return len(self.seen)

    def check_result(self, method: str, result: Any) -> None:
        if method not in self.spec.methods:
            return
        self.spec.check_result(method, result)
        for type_expr in self.spec.methods[method]["returns"]:
            if not self.spec.problems(result, type_expr):
                ptb_parse(type_expr, result, self.bot)
                return
