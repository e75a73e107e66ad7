"""Reading Bot API parameters the way Telegram's server does.

Telegram turns the query string and every body (JSON, urlencoded, multipart) into string
arguments, whatever the HTTP verb, and parses each one where it is used; we do the same, so
`{"chat_id": "12"}` and `chat_id=12` behave alike and JSON-serialized fields may come as objects
or strings. When the query string and the body both name a parameter, the sandbox takes the
body's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.errors import ApiError, bad_request, entity_too_large

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


@dataclass
class UploadedFile:
    data: bytes
    filename: str | None = None
    content_type: str | None = None


def to_int(text: str) -> int:
    """tdlib's to_integer: the leading digits count, anything else is 0 ("12abc" is 12)."""
    match = _LEADING_INT.match(text)
    return int(match.group(1)) if match else 0


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


# Form bodies carry everything as text; the call log shows these as JSON numbers and booleans,
# so a test reads the same params whether the bot sent JSON (aiogram) or a form (PTB).
_NUMERIC = frozenset(
    {
        "chat_id", "from_chat_id", "message_id", "message_thread_id", "user_id",
        "reply_to_message_id", "offset", "limit", "timeout", "cache_time", "icon_color",
        "max_connections", "duration", "width", "height", "latitude", "longitude",
    }
)  # fmt: skip
_FLAGS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "allow_sending_without_reply",
        "drop_pending_updates", "return_bots", "remove_caption", "has_spoiler",
        "supports_streaming", "disable_content_type_detection", "allow_paid_broadcast",
        "show_caption_above_media",
    }
)  # fmt: skip
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _for_log(key: str, value: str) -> Any:
    """A form field as the call log shows it (JSON-serialized fields decoded)."""
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in _NUMERIC and _NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    if key in _FLAGS and value in ("true", "false"):
        return value == "true"
    return value


@dataclass
class Args:
    values: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    logged: dict[str, Any] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return bool(self.values.get(name)) or name in self.files

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise bad_request(f'parameter "{name}" is required')
        return value

    def int(self, name: str, default: int = 0) -> int:
        value = self.values.get(name, "")
        return to_int(value) if value else default

    def flag(self, name: str) -> bool:
        return self.text(name).strip().lower() in ("true", "1", "yes")

    def json(self, name: str, what: str) -> Any:
        """The decoded JSON value, None when absent; `what` names it in Telegram's error."""
        value = self.text(name)
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what} JSON object") from None


async def read_args(request: web.Request) -> Args:
    args = Args()
    for key, value in request.query.items():
        args.values[key] = value
        args.logged[key] = _for_log(key, value)
    if not request.body_exists:
        return args
    try:
        await _read_body(request, args)
    except web.HTTPRequestEntityTooLarge:
        # A body past what the front end takes; the sandbox answers in JSON like the rest.
        raise entity_too_large() from None
    return args


async def _read_body(request: web.Request, args: Args) -> None:
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.text() or "{}")
        except ValueError:
            raise bad_request("can't parse JSON encoded request body") from None
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON encoded request body")
        for key, value in body.items():
            args.values[key] = _as_text(value)
            args.logged[key] = value
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # aiohttp reads a form only for POST-like verbs, but Telegram reads the body whatever
        # the verb: pyTelegramBotAPI's async client sends getUpdates (offset and all) as a GET
        # with a form body. The same request with another verb reads the same body.
        if request.method not in request.POST_METHODS:
            request = request.clone(method="POST")
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                data = value.file.read()
                args.files[key] = UploadedFile(data, value.filename, value.content_type)
                args.logged[key] = {
                    "file_name": value.filename,
                    "mime_type": value.content_type,
                    "size": len(data),
                }
            else:
                args.values[key] = str(value)
                args.logged[key] = _for_log(key, str(value))


__all__ = ["ApiError", "Args", "UploadedFile", "read_args", "to_int"]
