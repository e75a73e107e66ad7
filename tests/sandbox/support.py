"""Helpers for the sandbox's tests: raw Bot API calls, a PTB bot, conformance checks."""

from __future__ import annotations

import inspect
import json
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

import aiogram
import aiogram.methods
import aiogram.types
import aiohttp
import pydantic
import telegram
from aiogram.methods.base import Response
from telegram.ext import Application

from sandbox.spec import FIELDS_AFTER_SPEC, BotApiSpec

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


def _api_version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


# Fields of a Bot API newer than PTB's own: PTB parses them into api_kwargs, which is fine for
# exactly these (a PTB release that knows them parses them as attributes instead).
_NEWER_THAN_PTB = frozenset(
    (added.type_name, added.name)
    for added in FIELDS_AFTER_SPEC
    if _api_version(added.since) > _api_version(telegram.__bot_api_version__)
)


def _ptb_unknown_fields(obj: Any, path: str) -> list[str]:
    """Fields PTB did not recognise anywhere in a parsed object tree (nested ones too)."""
    if isinstance(obj, tuple | list):
        return [p for i, item in enumerate(obj) for p in _ptb_unknown_fields(item, f"{path}[{i}]")]
    if not isinstance(obj, telegram.TelegramObject):
        return []
    name = type(obj).__name__
    found = [
        f"{path}: {name}.{key}" for key in obj.api_kwargs if (name, key) not in _NEWER_THAN_PTB
    ]
    # PTB has no public walk over a parsed object's attributes; _get_attrs is what its own
    # to_dict uses.
    for key, value in obj._get_attrs(recursive=False).items():
        found += _ptb_unknown_fields(value, f"{path}.{key}")
    return found


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
    unknown = _ptb_unknown_fields(parsed, type_expr)
    assert not unknown, f"PTB does not know these fields: {unknown}"


@cache
def _aiogram_methods() -> dict[str, type[aiogram.methods.TelegramMethod[Any]]]:
    return {
        cls.__api_method__: cls
        for cls in vars(aiogram.methods).values()
        if inspect.isclass(cls)
        and issubclass(cls, aiogram.methods.TelegramMethod)
        and isinstance(getattr(cls, "__api_method__", None), str)  # not the abstract base
    }


def _aiogram_unknown_fields(obj: Any, path: str) -> list[str]:
    """Fields aiogram's models did not declare (kept as pydantic extras), anywhere in a tree."""
    if isinstance(obj, tuple | list):
        return [
            p for i, item in enumerate(obj) for p in _aiogram_unknown_fields(item, f"{path}[{i}]")
        ]
    if not isinstance(obj, pydantic.BaseModel):
        return []
    found = [f"{path}: {type(obj).__name__}.{key}" for key in obj.model_extra or {}]
    for key in type(obj).model_fields:
        found += _aiogram_unknown_fields(getattr(obj, key), f"{path}.{key}")
    return found


def _described(what: str) -> str:
    return "a webhook update" if what == "webhook" else f"the {what} answer"


def _aiogram_errors(error: pydantic.ValidationError) -> str:
    errors = error.errors(include_url=False)
    # A union (ChatMember, ...) is tried member by member; the members whose fixed `status` or
    # `type` differs from the value's are noise next to the one that should have matched.
    wrong_member = {e["loc"][:-1] for e in errors if e["type"] == "literal_error"}
    relevant = [e for e in errors if e["loc"][:-1] not in wrong_member] or errors
    return "\n  ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in relevant)


def aiogram_parse(what: str, body: dict[str, Any], bot: aiogram.Bot) -> None:
    """Parses an update (`what` is "webhook") or a method's whole answer as aiogram does.

    aiogram's models are generated from the newest Bot API, and a field without a default is
    required there, so this holds the sandbox to what current clients demand; a
    ValidationError is what aiogram's session would raise (as ClientDecodeError)."""
    if what == "webhook":
        model: pydantic.BaseModel = aiogram.types.Update.model_validate(body, context={"bot": bot})
    else:
        method = _aiogram_methods().get(what)
        if method is None:
            return  # not a method aiogram knows, so no aiogram client would call it
        # Exactly what aiogram's BaseSession.check_response does with an answer.
        response_type = Response[method.__returning__]
        model = response_type.model_validate(body, context={"bot": bot})
    unknown = _aiogram_unknown_fields(model, what)
    assert not unknown, f"aiogram {aiogram.__version__} does not know these fields: {unknown}"


@cache
def _parsing_bots() -> tuple[telegram.Bot, aiogram.Bot]:
    """The bots parsed objects are bound to. They never send a request, so every test shares
    them: building them (an HTTP client with a TLS context each) was most of a test's setup."""
    return telegram.Bot(TOKEN), aiogram.Bot(TOKEN)


class Conformance:
    """Everything the sandbox sent in a test, checked against the spec, PTB and aiogram at
    the end."""

    def __init__(self, spec: BotApiSpec) -> None:
        self.spec = spec
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.bot, self.aiogram_bot = _parsing_bots()

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
            try:
                aiogram_parse(what, body, self.aiogram_bot)
            except pydantic.ValidationError as error:
                raise AssertionError(
                    f"aiogram rejects {_described(what)}:\n  {_aiogram_errors(error)}"
                ) from None
        return len(self.seen)

    def check_result(self, method: str, result: Any) -> None:
        if method not in self.spec.methods:
            return
        self.spec.check_result(method, result)
        for type_expr in self.spec.methods[method]["returns"]:
            if not self.spec.problems(result, type_expr):
                ptb_parse(type_expr, result, self.bot)
                return
