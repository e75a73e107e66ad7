"""Every command a menu offers has its handler: per scope (customers' private chats, the staff
chat, each admin) and per language, as `bot.commands.register_commands` registers them with
Telegram, checked against the handlers of the real application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.ext import BaseHandler, CommandHandler, ConversationHandler

from bot.app import build_application
from bot.bootstrap import build_services
from bot.commands import _TELEGRAM_CODES, register_commands
from bot.config import Settings
from bot.context import KefuApplication
from handlers.common.gates import Only
from sandbox.server import RunningSandbox
from tests.conftest import ALICE, AMY, LI_WEI, STAFF_CHAT_ID, TOKEN

LANGUAGES = list(_TELEGRAM_CODES.items())  # (Kefu's language, Telegram's language_code)


@dataclass(frozen=True)
class Audience:
    """Who sees a menu, where they type its commands, and the scope it is registered under."""

    name: str
    scope: BotCommandScope
    chat: dict[str, object]
    sender: int


AUDIENCES = [
    Audience("customers", BotCommandScopeAllPrivateChats(), {"type": "private"}, ALICE.id),
    Audience(
        "staff",
        BotCommandScopeChat(STAFF_CHAT_ID),
        {"id": STAFF_CHAT_ID, "type": "supergroup", "is_forum": True},
        LI_WEI.id,
    ),
    Audience("admin", BotCommandScopeChat(AMY.id), {"type": "private"}, AMY.id),
]
EVERY_MENU = [
    pytest.param(audience, language, code, id=f"{audience.name}-{language}")
    for audience in AUDIENCES
    for language, code in LANGUAGES
]


class MenuRecorder:
    """Stands in for the Bot in `register_commands`: keeps the menus instead of sending them."""

    def __init__(self) -> None:
        self.menus: dict[tuple[BotCommandScope, str | None], list[BotCommand]] = {}

    async def set_my_commands(
        self, commands: list[BotCommand], *, scope: BotCommandScope, language_code: str | None
    ) -> bool:
        assert (scope, language_code) not in self.menus, "a menu registered twice"
        self.menus[scope, language_code] = list(commands)
        return True


@pytest.fixture
async def application(tmp_path: Path, sandbox: RunningSandbox) -> AsyncIterator[KefuApplication]:
    """The real application, its bot known to the sandbox (commands are matched by its name)."""
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}",
        staff_chat_id=STAFF_CHAT_ID,
        admin_ids=[AMY.id],
        timezone="Asia/Shanghai",
    )
    kefu = await build_services(settings)
    application = build_application(
        kefu, TOKEN, base_url=sandbox.bot_api_url, base_file_url=sandbox.file_url, rate_limit=False
    )
    await application.bot.initialize()
    try:
        yield application
    finally:
        await application.bot.shutdown()
        await kefu.db.dispose()


@pytest.fixture
async def menus(application: KefuApplication) -> dict:
    recorder = MenuRecorder()
    kefu = application.bot_data.kefu
    await register_commands(
        recorder,  # type: ignore[arg-type]
        kefu.catalogs,
        kefu.settings.staff_chat_id,
        list(kefu.settings.admin_ids),
    )
    return recorder.menus


def command_handlers(handlers: Iterable[BaseHandler]) -> list[CommandHandler]:
    """Every CommandHandler, also behind a gate (`Only`) or as a conversation's way in or out."""
    found: list[CommandHandler] = []
    for handler in handlers:
        while isinstance(handler, Only):
            handler = handler.inner
        if isinstance(handler, CommandHandler):
            found.append(handler)
        elif isinstance(handler, ConversationHandler):
            found += command_handlers([*handler.entry_points, *handler.fallbacks])
    return found


def handled_commands(application: KefuApplication) -> set[str]:
    every = (handler for group in application.handlers.values() for handler in group)
    return {command for handler in command_handlers(every) for command in handler.commands}


def test_every_audience_and_language_has_a_menu(menus):
    assert set(menus) == {
        (audience.scope, code) for audience in AUDIENCES for _, code in LANGUAGES
    }


@pytest.mark.parametrize(("audience", "language", "code"), EVERY_MENU)
def test_every_command_in_a_menu_has_a_handler(application, menus, audience, language, code):
    listed = {command.command for command in menus[audience.scope, code]}

    assert listed, f"the {audience.name} menu in {language} is empty"
    assert listed - handled_commands(application) == set()


# --- where the menu is used ------------------------------------------------------------------


def command_update(application: KefuApplication, audience: Audience, command: str) -> Update:
    chat = {"id": audience.sender, **audience.chat}
    message = {
        "message_id": 1,
        "date": int(datetime.now(UTC).timestamp()),
        "chat": chat,
        "from": {"id": audience.sender, "is_bot": False, "first_name": audience.name},
        "text": f"/{command}",
        "entities": [{"type": "bot_command", "offset": 0, "length": len(command) + 1}],
    }
    return Update.de_json({"update_id": 1, "message": message}, application.bot)


def takers(application: KefuApplication, update: Update) -> list[BaseHandler]:
    """The handler each group gives the update to, as PTB does: the first that matches."""
    taken: list[BaseHandler] = []
    for group in sorted(application.handlers):
        handler = next((h for h in application.handlers[group] if h.check_update(update)), None)
        while isinstance(handler, Only):
            handler = handler.inner
        if handler is not None:
            taken.append(handler)
    return taken


def answers(handler: BaseHandler, command: str) -> bool:
    if isinstance(handler, ConversationHandler):
        return any(command in h.commands for h in command_handlers(handler.entry_points))
    return isinstance(handler, CommandHandler) and command in handler.commands


@pytest.mark.parametrize("audience", AUDIENCES, ids=[a.name for a in AUDIENCES])
def test_a_menu_command_typed_where_the_menu_shows_reaches_its_handler(
    application, menus, audience
):
    """Outside any flow, in the audience's own chat: not the fallback for unknown commands."""
    commands = {command.command for command in menus[audience.scope, LANGUAGES[0][1]]}
    missed = {
        command
        for command in commands
        if not any(
            answers(handler, command)
            for handler in takers(application, command_update(application, audience, command))
        )
    }

    assert missed == set()
