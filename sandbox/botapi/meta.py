"""The bot itself: getMe, commands, name and descriptions, menu button, close and logOut."""

from __future__ import annotations

import re
from typing import Any

from sandbox.botapi.registry import Call, bot_method
from sandbox.errors import bad_request
from sandbox.objects import bot_json
from sandbox.params import to_int

_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SCOPES_WITH_CHAT = ("chat", "chat_administrators", "chat_member")
_SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators")
MAX_COMMANDS = 100
_MENU_BUTTON_TYPES = ("commands", "web_app", "default")


@bot_method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    return bot_json(call.bot, full=True)


@bot_method("logOut")
async def log_out(call: Call) -> bool:
    return True


@bot_method("close")
async def close(call: Call) -> bool:
    return True


def _scope_key(call: Call) -> tuple[Any, ...]:
    scope = call.args.json("scope", "BotCommandScope")
    if scope is None:
        return ("default",)
    if not isinstance(scope, dict):
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope.get("type")
    if kind in _SCOPES:
        return (kind,)
    if kind not in _SCOPES_WITH_CHAT:
        raise bad_request("unsupported bot command scope type specified")
    chat_id = to_int(str(scope.get("chat_id", "")))
    if not chat_id:
        raise bad_request("chat_id is empty")
    if kind != "chat_member":
        return (kind, chat_id)
    user_id = scope.get("user_id")
    if not isinstance(user_id, int) or user_id <= 0:
        raise bad_request("invalid user_id specified")
    return (kind, chat_id, user_id)


def _language(call: Call) -> str:
    code = call.args.text("language_code").strip()
    if code and not re.fullmatch(r"[a-zA-Z]{2}", code):
        raise bad_request("invalid language code specified")
    return code.lower()


def _commands(call: Call) -> list[dict[str, str]]:
    raw = call.args.json("commands", "commands")
    if raw is None:
        raise bad_request('parameter "commands" is required')
    if not isinstance(raw, list):
        raise bad_request("expected an Array of BotCommand")
    if len(raw) > MAX_COMMANDS:
        raise bad_request("too many commands specified")
    commands = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: expected an Object")
        command = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", "")).strip()
        if not _COMMAND.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append({"command": command, "description": description})
    return commands


@bot_method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    commands = _commands(call)
    key = (_scope_key(call), _language(call))
    if commands:
        call.bot.commands[key] = commands
    else:
        call.bot.commands.pop(key, None)
    return True


@bot_method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, str]]:
    # Exactly the list for this scope and language: Telegram does not fall back here.
    return list(call.bot.commands.get((_scope_key(call), _language(call)), []))


@bot_method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop((_scope_key(call), _language(call)), None)
    return True


def _text_setter(field: str, limit: int) -> Any:
    async def setter(call: Call) -> bool:
        value = call.args.text(field)
        if len(value) > limit:
            raise bad_request(f"{field.upper()}_INVALID")
        key = (field, _language(call))
        if value:
            call.bot.texts[key] = value
        else:
            call.bot.texts.pop(key, None)
        if field == "name" and not key[1]:
            call.bot.first_name = value or call.state.config.bot_first_name
        return True

    return setter


def _text_getter(field: str) -> Any:
    async def getter(call: Call) -> dict[str, str]:
        language = _language(call)
        texts = call.bot.texts
        value = texts.get((field, language), texts.get((field, ""), ""))
        if field == "name" and not value:
            value = call.bot.first_name
        return {field: value}

    return getter


for _field, _limit, _suffix in (
    ("name", 64, "Name"),
    ("description", 512, "Description"),
    ("short_description", 120, "ShortDescription"),
):
    bot_method(f"setMy{_suffix}")(_text_setter(_field, _limit))
    bot_method(f"getMy{_suffix}")(_text_getter(_field))


@bot_method("setChatMenuButton")
async def set_chat_menu_button(call: Call) -> bool:
    button = call.args.json("menu_button", "menu button")
    chat_id = call.args.int("chat_id") or None
    if button is None:
        call.bot.menu_buttons.pop(chat_id, None)
        return True
    if not isinstance(button, dict) or button.get("type") not in _MENU_BUTTON_TYPES:
        raise bad_request("can't parse menu button JSON object")
    call.bot.menu_buttons[chat_id] = button
    return True


@bot_method("getChatMenuButton")
async def get_chat_menu_button(call: Call) -> dict[str, Any]:
    chat_id = call.args.int("chat_id") or None
    buttons = call.bot.menu_buttons
    return buttons.get(chat_id) or buttons.get(None) or {"type": "commands"}


_NO_RIGHTS = {
    "is_anonymous": False, "can_manage_chat": False, "can_delete_messages": False,
    "can_manage_video_chats": False, "can_restrict_members": False,
    "can_promote_members": False, "can_change_info": False, "can_invite_users": False,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_send_welcome_messages": False,  # required since Bot API 10.3
}  # fmt: skip


@bot_method("setMyDefaultAdministratorRights")
async def set_my_default_administrator_rights(call: Call) -> bool:
    return True


@bot_method("getMyDefaultAdministratorRights")
async def get_my_default_administrator_rights(call: Call) -> dict[str, bool]:
    return dict(_NO_RIGHTS)
