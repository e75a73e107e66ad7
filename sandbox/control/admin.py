"""Control endpoints for observing and steering the sandbox: events, calls, limits, faults."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.control.common import body, endpoint, ok, query_float, query_int, state_of
from sandbox.errors import ControlError
from sandbox.gc_pauses import thaw

MAX_EVENTS_WAIT = 60.0


@endpoint
async def events(request: web.Request) -> web.Response:
    """Events after `after`; without `after`, just the current seq (a starting point)."""
    feed = state_of(request).events
    after = query_int(request, "after")
    if after is None:
        return ok({"seq": feed.seq, "events": []})
    timeout = min(query_float(request, "timeout", 0.0), MAX_EVENTS_WAIT)
    found = await feed.wait(after, timeout)
    return ok({"seq": feed.seq, "events": found})


@endpoint
async def calls(request: web.Request) -> web.Response:
    log = state_of(request).calls
    method = request.query.get("method") or None
    return ok({"calls": log.query(method, query_int(request, "after") or 0)})


def _limit(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ControlError(400, f'"{name}" must be a positive number or null')
    return float(value)


@endpoint
async def get_limits(request: web.Request) -> web.Response:
    return ok({"limits": state_of(request).flood.settings()})


@endpoint
async def set_limits(request: web.Request) -> web.Response:
    data = await body(request)
    flood = state_of(request).flood
    if "per_second" in data:
        flood.per_second = _limit(data["per_second"], "per_second")
    if "per_group_per_minute" in data:
        flood.per_group_per_minute = _limit(data["per_group_per_minute"], "per_group_per_minute")
    if "enabled" in data:
        flood.enabled = bool(data["enabled"])
    flood.clear()
    return ok({"limits": flood.settings()})


@endpoint
async def add_fault(request: web.Request) -> web.Response:
    data = await body(request)
    if not data.get("method"):
        raise ControlError(400, '"method" is required (or "*" for any method)')
    try:
        fault = state_of(request).faults.add(
            str(data["method"]),
            str(data.get("kind", "")),
            int(data.get("count", 1)),
            data.get("retry_after"),
            data.get("hang_seconds"),
            bool(data.get("execute", False)),
        )
    except ValueError as error:
        raise ControlError(400, str(error)) from None
    return ok({"fault": fault.describe()})


@endpoint
async def list_faults(request: web.Request) -> web.Response:
    return ok({"faults": state_of(request).faults.pending()})


@endpoint
async def clear_faults(request: web.Request) -> web.Response:
    state_of(request).faults.clear()
    return ok({"faults": []})


@endpoint
async def reset(request: web.Request) -> web.Response:
    state_of(request).reset()
    thaw()  # the world just dropped may be frozen (`sandbox.gc_pauses`)
    return ok({"ok": True})
