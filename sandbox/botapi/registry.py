"""The table of Bot API methods and running one call against it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sandbox.botapi.known_methods import SPEC_METHODS
from sandbox.errors import ApiError, bad_request, not_found
from sandbox.model import Bot
from sandbox.params import Args
from sandbox.state import SandboxState

_SPEC_BY_LOWER = {name.lower(): name for name in SPEC_METHODS}
# Webhook answers may not run these (Telegram ignores them there too).
_NOT_FROM_WEBHOOK = frozenset({"setwebhook", "deletewebhook", "getupdates", "close", "logout"})


@dataclass
class Call:
    state: SandboxState
    bot: Bot
    args: Args
    method: str


@dataclass(frozen=True)
class Described:
    """A result Telegram sends with a top-level description (setWebhook, deleteWebhook)."""

    value: Any
    description: str


Handler = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


def bot_method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


def canonical_name(method: str) -> str:
    """Method names are case-insensitive on Telegram; logs use the documented spelling."""
    lower = method.lower()
    if lower in METHODS:
        return METHODS[lower][0]
    return _SPEC_BY_LOWER.get(lower, method)


async def run_method(
    state: SandboxState, bot: Bot, method: str, args: Args
) -> tuple[int, dict[str, Any]]:
    """Runs one call; returns (HTTP status, Telegram's JSON body)."""
    entry = METHODS.get(method.lower())
    try:
        if entry is None:
            if method.lower() in _SPEC_BY_LOWER:
                raise bad_request(f"method {_SPEC_BY_LOWER[method.lower()]} is not supported by "
                                  "the Kefu sandbox")  # fmt: skip
            raise not_found()
        name, handler = entry
        result = await handler(Call(state, bot, args, name))
    except ApiError as error:
        return error.error_code, error.body()
    # Whatever files the bot is shown in a result (a reply's photo, a forwarded document) are
    # its own from now on: on Telegram it would get its own file_id for each.
    state.files.share(bot.id, result.value if isinstance(result, Described) else result)
    if isinstance(result, Described):
        return 200, {"ok": True, "result": result.value, "description": result.description}
    return 200, {"ok": True, "result": result}


async def run_reply_method(state: SandboxState, bot: Bot, answer: dict[str, Any]) -> None:
    method = str(answer["method"])
    if method.lower() in _NOT_FROM_WEBHOOK:
        return
    args = Args()
    for key, value in answer.items():
        if key != "method":
            args.values[key] = value if isinstance(value, str) else _json_text(value)
            args.logged[key] = value
    _, body = await run_method(state, bot, method, args)
    state.calls.record(bot.id, canonical_name(method), {**args.logged, "via": "webhook"}, body)


def _json_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)
