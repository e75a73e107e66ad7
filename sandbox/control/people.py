"""Control endpoints for people, bots, groups and blocking."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.control.common import (
    as_int,
    body,
    endpoint,
    need_int,
    ok,
    query_int,
    state_of,
)
from sandbox.errors import ControlError
from sandbox.model import Group, Human
from sandbox.objects import bot_json, chat_json, group_chat_json, human_json, webhook_info
from sandbox.state import SandboxState
from sandbox.updates import DEFAULT_ALLOWED
from sandbox.useractions import human, set_blocked, upsert_group

_USER_FIELDS = ("last_name", "username", "language_code", "phone_number")


@endpoint
async def create_user(request: web.Request) -> web.Response:
    data = await body(request)
    state = state_of(request)
    user_id = need_int(data.get("id"), "id")
    if user_id <= 0:
        raise ControlError(400, "user ids are positive")
    if user_id in state.bots:
        raise ControlError(409, f"{user_id} is a bot's id")
    first_name = str(data.get("first_name") or "").strip()
    person = state.humans.get(user_id)
    if person is None:
        if not first_name:
            raise ControlError(400, '"first_name" is required')
        person = state.humans[user_id] = Human(user_id, first_name)
    elif first_name:
        person.first_name = first_name
    for key in _USER_FIELDS:
        if key in data:
            setattr(person, key, str(data[key]).lstrip("@") if data[key] else None)
    state.events.publish("user", user_id)
    return ok({"user": human_json(person)})


@endpoint
async def list_users(request: web.Request) -> web.Response:
    state = state_of(request)
    return ok({"users": [human_json(p) for p in state.humans.values()]})


@endpoint
async def list_bots(request: web.Request) -> web.Response:
    state = state_of(request)
    bots = [
        {
            "user": bot_json(bot),
            "default": bot.id == state.default_bot_id,
            "webhook": webhook_info(bot, bot.updates.allowed, DEFAULT_ALLOWED),
            "blocked_by": sorted(bot.blocked_by),
        }
        for bot in state.bots.values()
    ]
    return ok({"bots": bots})


def _ids(data: dict[str, Any], name: str) -> set[int]:
    value = data.get(name) or []
    if not isinstance(value, list):
        raise ControlError(400, f'"{name}" must be a list of user ids')
    return {need_int(v, name) for v in value}


@endpoint
async def create_group(request: web.Request) -> web.Response:
    data = await body(request)
    state = state_of(request)
    chat_id = need_int(data.get("id"), "id")
    if chat_id >= 0:
        raise ControlError(400, "group ids are negative, like -1001234567890")
    title = str(data.get("title") or "").strip()
    if not title:
        raise ControlError(400, '"title" is required')
    admins = _ids(data, "admins")
    owner = as_int(data.get("owner"), "owner", required=False)
    group = upsert_group(
        state,
        chat_id,
        title,
        is_forum=bool(data.get("is_forum", True)),
        members=_ids(data, "members"),
        admins=admins,
        owner=owner if owner is not None else min(admins, default=None),
        bot_can_manage_topics=bool(data.get("bot_can_manage_topics", True)),
        username=data.get("username") or None,
    )
    return ok({"chat": group_chat_json(group)})


def _group_entry(group: Group) -> dict[str, Any]:
    admins = group.admins | ({group.owner} if group.owner else set())
    return {
        "chat": group_chat_json(group),
        "members": sorted(group.members),
        "admins": sorted(admins),
        "owner": group.owner,
        "general_closed": group.general_closed,
        "bot_can_manage_topics": group.bot_can_manage_topics,
        "public": group.username is not None,
    }


def _private_entry(state: SandboxState, person: Human, bot_id: int | None) -> dict[str, Any]:
    bot = state.bots.get(bot_id) if bot_id is not None else None
    return {
        "chat": chat_json(state, person.id),
        "members": [person.id] + ([bot.id] if bot else []),
        "admins": [],
        "bot_id": bot_id,
        "blocked": bool(bot and person.id in bot.blocked_by),
    }


@endpoint
async def list_chats(request: web.Request) -> web.Response:
    """Groups by default; ?type=private or ?type=all adds each person's chat with the bot."""
    state = state_of(request)
    kind = request.query.get("type", "group")
    chats: list[dict[str, Any]] = []
    if kind in ("group", "all"):
        chats += [_group_entry(g) for g in state.groups.values()]
    if kind in ("private", "all"):
        bot_id = query_int(request, "bot_id") or state.default_bot_id
        chats += [_private_entry(state, p, bot_id) for p in state.humans.values()]
    return ok({"chats": chats})


@endpoint
async def block(request: web.Request) -> web.Response:
    data = await body(request)
    state = state_of(request)
    person = human(state, data.get("user"))
    bot = state.control_bot(data.get("bot_id"))
    blocked = bool(data.get("blocked", True))
    set_blocked(state, person, bot, blocked)
    return ok({"user": human_json(person), "blocked": blocked})
