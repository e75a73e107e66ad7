"""Checks of the deployment against Telegram, before Kefu takes an update.

At start-up `require_staff_desk` stops Kefu unless KEFU_STAFF_CHAT_ID is a private forum
supergroup where the bot manages topics: anything else makes a stranger "staff" (a person's
chat, a public group) or leaves every ticket without its topic. `python -m bot check` runs the
same check and the rest of the configuration's (`check_configuration`), one line each.
Every problem is one sentence for the operator: the setting, what is wrong, what to fix.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from telegram import Bot, Chat, ChatFullInfo, ChatMember, ChatMemberAdministrator
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError

from bot.aiohttp_request import AiohttpRequest
from bot.config import ConfigError, Settings, load_business_config, load_settings

STAFF_CHAT = "KEFU_STAFF_CHAT_ID"


async def require_staff_desk(bot: Bot, chat_id: int | None) -> None:
    """Raises ConfigError unless `chat_id` can be the staff desk; `bot` is initialised.

    Without a staff chat Kefu runs as before: tickets are kept, no topics are opened."""
    if chat_id is None:
        return
    problem = await staff_chat_problem(bot, chat_id)
    if problem is not None:
        raise ConfigError([problem])


async def staff_chat_problem(bot: Bot, chat_id: int) -> str | None:
    """What is wrong with `chat_id` as the staff desk, or None when it is fit."""
    try:
        chat = await bot.get_chat(chat_id)
    except ChatMigrated as error:
        return (
            f"{STAFF_CHAT} {chat_id} is a group that became a supergroup: "
            f"use its new id {error.new_chat_id}."
        )
    except (BadRequest, Forbidden):  # Telegram says "chat not found" for both
        return (
            f"{STAFF_CHAT} {chat_id} is not a chat the bot can see: check the id, "
            "and add the bot to the staff group as an administrator."
        )
    problem = kind_problem(chat)
    if problem is not None:
        return problem
    try:
        member: ChatMember | None = await bot.get_chat_member(chat_id, bot.id)
    except (BadRequest, Forbidden):
        member = None
    return rights_problem(chat_id, member) or public_problem(chat)


def kind_problem(chat: ChatFullInfo) -> str | None:
    """Only a supergroup with Topics on holds one topic per ticket."""
    where = f"{STAFF_CHAT} {chat.id}"
    if chat.type == Chat.PRIVATE:
        return (
            f"{where} is a person's private chat, not a group: "
            "use the id of the staff forum group (it starts with -100)."
        )
    if chat.type == Chat.CHANNEL:
        return f"{where} is a channel, not a group: use the id of the staff forum group."
    if chat.type == Chat.GROUP:
        return (
            f"{where} is a basic group without topics: turn on Topics in the group's settings "
            "and use the new id it gets (it starts with -100)."
        )
    if not chat.is_forum:
        return f"{where} is a group without topics: turn on Topics in the group's settings."
    return None


def rights_problem(chat_id: int, member: ChatMember | None) -> str | None:
    """The bot opens, renames and closes a topic per ticket: it needs "Manage topics"."""
    if member is not None and member.status == ChatMember.OWNER:
        return None
    if not isinstance(member, ChatMemberAdministrator):
        return (
            f"The bot is not an administrator of {STAFF_CHAT} {chat_id}: "
            "make it an administrator who can manage topics."
        )
    if not member.can_manage_topics:
        return (
            f"The bot is an administrator of {STAFF_CHAT} {chat_id} without the right to manage "
            "topics: turn on Manage topics in its administrator rights."
        )
    return None


def public_problem(chat: ChatFullInfo) -> str | None:
    """Staff are the group's members, so anyone able to join a public group would be staff."""
    if chat.username:
        return (
            f"{STAFF_CHAT} {chat.id} is a public group (@{chat.username}): make it private, "
            "or anyone who joins it acts as staff."
        )
    return None


def admin_ids_problem(admin_ids: list[int], bot_id: int | None) -> str | None:
    """Admins are people: a chat's id (negative) or the bot's own id is a slip."""
    for admin_id in admin_ids:
        if admin_id <= 0:
            return (
                f"KEFU_ADMIN_IDS: {admin_id} is not a person's id: "
                "list the Telegram user ids of the admins (positive numbers)."
            )
        if admin_id == bot_id:
            return (
                f"KEFU_ADMIN_IDS: {admin_id} is the bot itself: "
                "list the Telegram user ids of the people who administer Kefu."
            )
    return None


# --- python -m bot check --------------------------------------------------------------------


class Verdict(StrEnum):
    OK = "ok"
    PROBLEM = "problem"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Finding:
    verdict: Verdict
    text: str

    def __str__(self) -> str:
        return f"{self.verdict.value:<8} {self.text}"


def _ok(text: str) -> Finding:
    return Finding(Verdict.OK, text)


def _problem(text: str) -> Finding:
    return Finding(Verdict.PROBLEM, text)


async def check_configuration(env: Mapping[str, str] | None = None) -> AsyncIterator[Finding]:
    """Each check's finding as soon as it is known; nothing is started or written."""
    try:
        settings = load_settings(env)
    except ConfigError as error:
        for problem in error.problems:
            yield _problem(problem)
        return
    yield _ok("settings: the KEFU_* environment variables")
    try:
        load_business_config(settings.config)
        yield _ok(f"business configuration: {settings.config or 'the shipped default'}")
    except ConfigError as error:
        for problem in error.problems:
            yield _problem(problem)
    async for finding in _check_telegram(settings):
        yield finding


async def _check_telegram(settings: Settings) -> AsyncIterator[Finding]:
    bot = _bot(settings)
    refused = await _connect(bot, settings)
    if refused is not None:
        yield refused
        yield _staff_chat_unchecked(settings.staff_chat_id)
        yield _admin_ids_finding(settings, bot_id=None)
        return
    assert bot is not None  # _connect refuses a missing token
    try:
        yield _ok(f"KEFU_BOT_TOKEN: the bot @{bot.username}")
        yield await _staff_chat_finding(bot, settings.staff_chat_id)
        yield _admin_ids_finding(settings, bot_id=bot.id)
    finally:
        await bot.shutdown()


def _bot(settings: Settings) -> Bot | None:
    if settings.bot_token is None:
        return None
    api = settings.api_url.rstrip("/") if settings.api_url else None
    # getMe only, over the transport the running bot uses (bot.aiohttp_request).
    request = AiohttpRequest(connection_pool_size=1)
    if api is None:
        return Bot(settings.bot_token.get_secret_value(), request=request)
    return Bot(
        settings.bot_token.get_secret_value(),
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        request=request,
    )


async def _connect(bot: Bot | None, settings: Settings) -> Finding | None:
    """getMe: None when the token works, else the finding that says why not."""
    if bot is None:
        return _problem("KEFU_BOT_TOKEN: not set; get a token from @BotFather and export it")
    try:
        await bot.initialize()
    except InvalidToken:
        return _problem("Telegram rejected KEFU_BOT_TOKEN: check it with @BotFather.")
    except NetworkError as error:
        where = settings.api_url or "api.telegram.org"
        return _problem(f"Could not reach Telegram at {where}: {error}")
    return None


def _staff_chat_unchecked(chat_id: int | None) -> Finding:
    if chat_id is None:
        return Finding(
            Verdict.SKIPPED, f"{STAFF_CHAT}: not set, so tickets get no topics at a staff desk"
        )
    return Finding(Verdict.SKIPPED, f"{STAFF_CHAT} {chat_id}: needs a working KEFU_BOT_TOKEN")


async def _staff_chat_finding(bot: Bot, chat_id: int | None) -> Finding:
    if chat_id is None:
        return _staff_chat_unchecked(chat_id)
    try:
        problem = await staff_chat_problem(bot, chat_id)
    except NetworkError as error:
        return _problem(f"Could not ask Telegram about {STAFF_CHAT} {chat_id}: {error}")
    if problem is not None:
        return _problem(problem)
    return _ok(f"{STAFF_CHAT} {chat_id}: a private forum group where the bot manages topics")


def _admin_ids_finding(settings: Settings, bot_id: int | None) -> Finding:
    problem = admin_ids_problem(list(settings.admin_ids), bot_id)
    if problem is not None:
        return _problem(problem)
    if not settings.admin_ids:
        return _ok("KEFU_ADMIN_IDS: none, so no one can run campaigns")
    return _ok(f"KEFU_ADMIN_IDS: {', '.join(map(str, settings.admin_ids))}")
