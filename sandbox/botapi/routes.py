"""HTTP front of the Bot API: /bot<token>/<method> and /file/bot<token>/<path>."""

from __future__ import annotations

import asyncio
import contextlib
import json
from functools import partial
from typing import Any

from aiohttp import web

from sandbox.botapi.files import check_uploads
from sandbox.botapi.registry import canonical_name, run_method
from sandbox.errors import ApiError, not_found
from sandbox.faults import Fault
from sandbox.model import Bot
from sandbox.params import Args, read_args
from sandbox.state import STATE_KEY, SandboxState

_dumps = partial(json.dumps, ensure_ascii=False)
_BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def telegram_response(status: int, body: dict[str, Any]) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


async def _faulted(
    state: SandboxState, bot: Bot, method: str, args: Args, fault: Fault
) -> web.Response:
    if fault.execute:
        await run_method(state, bot, method, args)
    if fault.kind == "502":
        body: dict[str, Any] = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        response = web.Response(status=502, text=_BAD_GATEWAY_HTML, content_type="text/html")
    elif fault.kind == "429":
        error = ApiError(
            429,
            f"Too Many Requests: retry after {fault.retry_after}",
            {"retry_after": fault.retry_after},
        )
        body = error.body()
        response = telegram_response(429, body)
    elif fault.kind == "hang":
        body = {"ok": False, "error_code": 504, "description": "Gateway Timeout"}
        response = telegram_response(504, body)
    else:
        body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        response = telegram_response(500, body)
    record = state.calls.record(bot.id, canonical_name(method), args.logged, body)
    record["fault"] = fault.kind
    if fault.kind == "hang":
        # Hold the connection so the client times out; end early when the sandbox stops.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.shutdown.wait(), fault.hang_seconds)
    return response


async def handle_bot_api(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    method = request.match_info["method"]
    bot: Bot | None = None
    args = Args()
    try:
        bot = state.bot_for_token(request.match_info["token"])
        args = await read_args(request)
        check_uploads(state, args)
    except ApiError as error:
        bot_id = bot.id if bot is not None else None
        state.calls.record(bot_id, canonical_name(method), args.logged, error.body())
        state.observe(canonical_name(method), error.body())
        return telegram_response(error.error_code, error.body())
    fault = state.faults.take(canonical_name(method))
    if fault is not None:
        return await _faulted(state, bot, method, args, fault)
    status, body = await run_method(state, bot, method, args)
    state.calls.record(bot.id, canonical_name(method), args.logged, body)
    state.observe(canonical_name(method), body)
    return telegram_response(status, body)


async def handle_no_method(request: web.Request) -> web.StreamResponse:
    return telegram_response(404, not_found().body())


async def handle_file_download(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    try:
        bot = state.bot_for_token(request.match_info["token"])
    except ApiError as error:
        return telegram_response(error.error_code, error.body())
    # Another bot's file is not there for this token, as on Telegram's file server.
    stored = state.files.path_for_bot(request.match_info["path"], bot.id)
    if stored is None:
        return telegram_response(404, not_found().body())
    content_type = stored.mime_type or "application/octet-stream"
    return web.Response(body=stored.data, content_type=content_type)


def setup_botapi(app: web.Application) -> None:
    # Importing the method modules registers them in the method table.
    from sandbox.botapi import (  # noqa: F401
        callbacks,
        chats,
        editing,
        files,
        meta,
        polling,
        relay,
        sending,
        topics,
    )

    app.router.add_route("*", "/bot{token}/{method}", handle_bot_api)
    app.router.add_route("*", "/bot{token}/", handle_no_method)
    app.router.add_route("*", "/bot{token}", handle_no_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file_download)
