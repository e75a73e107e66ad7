"""The bot's own settings: commands per scope and language, name and descriptions."""

from __future__ import annotations

from tests.sandbox.support import BotApi

START = [{"command": "start", "description": "Start"}]
HELP_ZH = [{"command": "help", "description": "帮助"}]
STAFF = [{"command": "note", "description": "Add a note"}]
DESK = -1001000000001


async def test_commands_are_kept_per_scope_and_language(api: BotApi) -> None:
    private = {"type": "all_private_chats"}
    await api.ok("setMyCommands", commands=START)
    await api.ok("setMyCommands", commands=HELP_ZH, scope=private, language_code="zh")
    await api.ok("setMyCommands", commands=STAFF, scope={"type": "chat", "chat_id": DESK})
    assert await api.ok("getMyCommands") == START
    assert await api.ok("getMyCommands", scope=private, language_code="zh") == HELP_ZH
    assert await api.ok("getMyCommands", scope=private) == []  # no fallback, as on Telegram
    assert await api.ok("getMyCommands", scope={"type": "chat", "chat_id": DESK}) == STAFF
    await api.ok("deleteMyCommands", scope=private, language_code="zh")
    assert await api.ok("getMyCommands", scope=private, language_code="zh") == []
    assert await api.error(
        "setMyCommands", commands=[{"command": "Bad!", "description": "x"}]
    ) == (
        400,
        "Bad Request: BOT_COMMAND_INVALID",
    )
    assert await api.error("getMyCommands", scope={"type": "galaxy"}) == (
        400,
        "Bad Request: unsupported bot command scope type specified",
    )


async def test_name_and_descriptions(api: BotApi) -> None:
    await api.ok("setMyName", name="Kefu 客服")
    assert (await api.ok("getMe"))["first_name"] == "Kefu 客服"
    await api.ok("setMyDescription", description="After-sales help", language_code="en")
    assert await api.ok("getMyDescription", language_code="en") == {
        "description": "After-sales help"
    }
    assert await api.ok("getMyDescription") == {"description": ""}
    assert await api.ok("getChatMenuButton") == {"type": "commands"}
