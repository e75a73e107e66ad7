"""Shared plumbing of the control API: JSON in and out, {"error": ...} answers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import partial, wraps
from typing import Any

from aiohttp import web

from sandbox.errors import ControlError
from sandbox.state import STATE_KEY, SandboxState

API = "/sandbox/api"
_dumps = partial(json.dumps, ensure_ascii=False)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ok(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


def fail(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=_dumps)


def endpoint(handler: Handler) -> Handler:
    """Turns ControlError (and bad input) into {"error": ...} with a 4xx status."""

    @wraps(handler)
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ControlError as error:
            return fail(error.status, error.message)
        except (ValueError, TypeError, KeyError) as error:
            return fail(400, f"bad request: {error}")

    return wrapped


def state_of(request: web.Request) -> SandboxState:
    return request.app[STATE_KEY]


async def body(request: web.Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.text() or "{}")
    except ValueError:
        raise ControlError(400, "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def as_int(value: Any, name: str, *, required: bool = True) -> int | None:
    if value is None or value == "":
        if required:
            raise ControlError(400, f'"{name}" is required')
        return None
    if isinstance(value, bool):
        raise ControlError(400, f'"{name}" must be an integer')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(400, f'"{name}" must be an integer') from None


def need_int(value: Any, name: str) -> int:
    result = as_int(value, name)
    assert result is not None
    return result


def query_int(request: web.Request, name: str) -> int | None:
    return as_int(request.query.get(name), name, required=False)


def query_float(request: web.Request, name: str, default: float) -> float:
    raw = request.query.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ControlError(400, f'"{name}" must be a number') from None
