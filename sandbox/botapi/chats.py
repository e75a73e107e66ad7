"""Reading chats and their members."""

from __future__ import annotations

from typing import Any

from sandbox.botapi.common import resolve_chat
from sandbox.botapi.registry import Call, bot_method
from sandbox.errors import bad_request
from sandbox.objects import chat_full_info, group_member_json, user_json


@bot_method("getChat")
async def get_chat(call: Call) -> dict[str, Any]:
    target = resolve_chat(call)
    return chat_full_info(call.state, target.chat_id)


def _user_id(call: Call) -> int:
    user_id = call.args.int("user_id")
    if user_id <= 0:
        raise bad_request("invalid user_id specified")
    return user_id


@bot_method("getChatMember")
async def get_chat_member(call: Call) -> dict[str, Any]:
    target = resolve_chat(call)
    user_id = _user_id(call)
    state = call.state
    if target.group is not None:
        if user_id not in state.humans and user_id not in state.bots:
            raise bad_request("user not found")
        return group_member_json(state, target.group, user_id)
    if user_id in (target.chat_id, call.bot.id):
        return {"status": "member", "user": user_json(state, user_id)}
    raise bad_request("user not found")


@bot_method("getChatAdministrators")
async def get_chat_administrators(call: Call) -> list[dict[str, Any]]:
    target = resolve_chat(call)
    group = target.group
    if group is None:
        raise bad_request("there are no administrators in the private chat")
    people = ([group.owner] if group.owner else []) + sorted(group.admins - {group.owner})
    # Other bots only with return_bots, as the spec says.
    bots = list(call.state.bots) if call.args.flag("return_bots") else [call.bot.id]
    return [group_member_json(call.state, group, uid) for uid in people + bots]


@bot_method("getChatMemberCount")
async def get_chat_member_count(call: Call) -> int:
    target = resolve_chat(call)
    group = target.group
    if group is None:
        return 2
    people = group.members | group.admins | ({group.owner} if group.owner else set())
    return len(people) + len(call.state.bots)
