"""Kefu refuses to start on a staff chat that would make strangers staff or leave tickets
without topics, and says in one sentence what to fix; `kefu check` says the same.

Kefu runs as a real process (`python -m bot run`, `check`, `sandbox`) against the test's
sandbox, so what is checked is what an operator sees: the exit code and stderr.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from telegram import ChatFullInfo, ChatMember

from bot.preflight import admin_ids_problem, kind_problem, rights_problem
from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from tests.conftest import ALICE, STAFF_CHAT_ID, TOKEN, RunningBot

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


async def kefu(*args: str, env: dict[str, str], cwd: Path, timeout: float = 60) -> Finished:
    """`python -m bot ...` without blocking the loop the in-process sandbox answers on."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        env={**clean, **env}, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"`kefu {' '.join(args)}` was still running after {timeout} s")
    return Finished(process.returncode or 0, stdout.decode(), stderr.decode())


def environment(sandbox: RunningSandbox, tmp_path: Path, staff_chat_id: int) -> dict[str, str]:
    return {
        "KEFU_BOT_TOKEN": TOKEN,
        "KEFU_API_URL": sandbox.base_url,
        "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}",
        "KEFU_STAFF_CHAT_ID": str(staff_chat_id),
        "KEFU_ADMIN_IDS": "3001",
        "KEFU_LOG_LEVEL": "WARNING",  # INFO narrates the migration; the error is what counts
    }


async def private_chat(client: SandboxClient) -> int:
    await client.create_user(ALICE.id, ALICE.first_name, username=ALICE.username)
    return ALICE.id


async def group_without_topics(client: SandboxClient) -> int:
    await client.create_group(STAFF_CHAT_ID, "Kefu Staff Desk", is_forum=False)
    return STAFF_CHAT_ID


async def public_group(client: SandboxClient) -> int:
    await client.create_group(STAFF_CHAT_ID, "Kefu Staff Desk", username="kefu_desk")
    return STAFF_CHAT_ID


async def bot_cannot_manage_topics(client: SandboxClient) -> int:
    await client.create_group(STAFF_CHAT_ID, "Kefu Staff Desk", bot_can_manage_topics=False)
    return STAFF_CHAT_ID


async def unknown_chat(_client: SandboxClient) -> int:
    return STAFF_CHAT_ID  # never created


REFUSED: list[tuple[Callable[[SandboxClient], Awaitable[int]], str]] = [
    (
        private_chat,
        "KEFU_STAFF_CHAT_ID 1001 is a person's private chat, not a group: "
        "use the id of the staff forum group (it starts with -100).",
    ),
    (
        group_without_topics,
        "KEFU_STAFF_CHAT_ID -1001000000001 is a group without topics: "
        "turn on Topics in the group's settings.",
    ),
    (
        public_group,
        "KEFU_STAFF_CHAT_ID -1001000000001 is a public group (@kefu_desk): make it private, "
        "or anyone who joins it acts as staff.",
    ),
    (
        bot_cannot_manage_topics,
        "The bot is an administrator of KEFU_STAFF_CHAT_ID -1001000000001 without the right to "
        "manage topics: turn on Manage topics in its administrator rights.",
    ),
    (
        unknown_chat,
        "KEFU_STAFF_CHAT_ID -1001000000001 is not a chat the bot can see: check the id, "
        "and add the bot to the staff group as an administrator.",
    ),
]


@pytest.mark.parametrize(("stage", "sentence"), REFUSED, ids=[s.__name__ for s, _ in REFUSED])
async def test_a_staff_chat_unfit_for_the_desk_stops_kefu_with_what_to_fix(
    sandbox: RunningSandbox,
    client: SandboxClient,
    tmp_path: Path,
    stage: Callable[[SandboxClient], Awaitable[int]],
    sentence: str,
) -> None:
    env = environment(sandbox, tmp_path, await stage(client))

    run, check = await asyncio.gather(
        kefu("run", env=env, cwd=tmp_path), kefu("check", env=env, cwd=tmp_path)
    )

    assert run.returncode == 2
    assert run.stderr.splitlines() == ["Configuration error:", sentence]
    assert check.returncode == 2
    assert f"problem  {sentence}" in check.stdout.splitlines()
    assert not await client.calls("setMyCommands"), "Kefu went on after the check"


async def test_a_private_forum_group_where_the_bot_manages_topics_passes(
    sandbox: RunningSandbox, client: SandboxClient, staff_chat: dict, tmp_path: Path
) -> None:
    check = await kefu("check", env=environment(sandbox, tmp_path, STAFF_CHAT_ID), cwd=tmp_path)

    assert check.returncode == 0, check.stdout
    assert check.stdout.splitlines() == [
        "ok       settings: the KEFU_* environment variables",
        "ok       business configuration: the shipped default",
        "ok       KEFU_BOT_TOKEN: the bot @kefu_7000000001_bot",
        "ok       KEFU_STAFF_CHAT_ID -1001000000001: a private forum group where the bot "
        "manages topics",
        "ok       KEFU_ADMIN_IDS: 3001",
    ]
    assert check.stderr == ""
    # `check` starts nothing: no database, no commands, no updates taken.
    assert not (tmp_path / "kefu.db").exists()
    assert not await client.calls("setMyCommands") and not await client.calls("getUpdates")


async def test_kefu_starts_on_the_staff_forum_group(kefu_bot: RunningBot, client: SandboxClient):
    assert await client.calls("setMyCommands"), "on_startup went past the check"


async def test_the_sandbox_demo_passes_its_own_check(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    demo = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "sandbox", "--port", "0",
        env={**clean, "KEFU_LOG_LEVEL": "WARNING"}, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert demo.stdout is not None
    try:
        async with asyncio.timeout(30):
            line = (await demo.stdout.readline()).decode()
            base_url = line.split("Open ", 1)[1].split("/ in your browser")[0]
            async with SandboxClient(base_url) as client:
                while not await client.calls("getUpdates"):  # polling: past on_startup
                    assert demo.returncode is None
                    await asyncio.sleep(0.1)
    finally:
        demo.terminate()
        _, stderr = await demo.communicate()
    assert "Configuration error" not in stderr.decode()


# --- what the sandbox cannot stage: every sandbox bot is an administrator of every group,
# and every sandbox group is a supergroup ----------------------------------------------------

BOT = {"id": 7000000001, "is_bot": True, "first_name": "Kefu"}
ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
}  # fmt: skip
RESTRICTED = {
    "is_member": True, "can_send_messages": True, "can_send_audios": True,
    "can_send_documents": True, "can_send_photos": True, "can_send_videos": True,
    "can_send_video_notes": True, "can_send_voice_notes": True, "can_send_polls": True,
    "can_send_other_messages": True, "can_add_web_page_previews": True, "can_change_info": False,
    "can_invite_users": False, "can_pin_messages": False, "can_manage_topics": False,
    "can_edit_tag": False, "can_react_to_messages": True, "until_date": 0,
}  # fmt: skip
NOT_ADMIN = "The bot is not an administrator of KEFU_STAFF_CHAT_ID -1001000000001:"
NO_TOPICS = "The bot is an administrator of KEFU_STAFF_CHAT_ID -1001000000001 without the right"


def assert_refused(problem: str | None, refused: str | None) -> None:
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(refused), problem


def member(status: str, **fields: Any) -> ChatMember:
    return ChatMember.de_json({"status": status, "user": BOT, **fields}, None)


@pytest.mark.parametrize(
    ("bot_member", "refused"),
    [
        (member("administrator", **ADMIN_RIGHTS, can_manage_topics=True), None),
        (member("creator", is_anonymous=False), None),
        (member("administrator", **ADMIN_RIGHTS, can_manage_topics=False), NO_TOPICS),
        (member("administrator", **ADMIN_RIGHTS), NO_TOPICS),  # the field left out
        (member("member"), NOT_ADMIN),
        (member("restricted", **RESTRICTED), NOT_ADMIN),
        (member("left"), NOT_ADMIN),
        (member("kicked", until_date=0), NOT_ADMIN),
        (None, NOT_ADMIN),  # getChatMember refused
    ],
    ids=lambda value: getattr(value, "status", None) or str(value)[:12],
)
def test_the_bot_must_be_an_administrator_who_manages_topics(
    bot_member: ChatMember | None, refused: str | None
) -> None:
    assert_refused(rights_problem(STAFF_CHAT_ID, bot_member), refused)


def chat(kind: str, **fields: Any) -> ChatFullInfo:
    gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription"), False
    )
    info = {
        "id": -1001000000001, "type": kind, "title": "Desk", "accent_color_id": 0,
        "max_reaction_count": 11, "accepted_gift_types": {**gifts, "gifts_from_channels": False},
    }  # fmt: skip
    return ChatFullInfo.de_json({**info, **fields}, None)


@pytest.mark.parametrize(
    ("candidate", "refused"),
    [
        (chat("supergroup", is_forum=True), None),
        (chat("group"), "KEFU_STAFF_CHAT_ID -1001000000001 is a basic group without topics:"),
        (chat("channel"), "KEFU_STAFF_CHAT_ID -1001000000001 is a channel, not a group:"),
    ],
    ids=["forum", "basic group", "channel"],
)
def test_only_a_forum_supergroup_holds_a_topic_per_ticket(
    candidate: ChatFullInfo, refused: str | None
) -> None:
    assert_refused(kind_problem(candidate), refused)


@pytest.mark.parametrize(
    ("admin_ids", "refused"),
    [
        ([3001, 3002], None),
        ([], None),
        ([3001, -1001000000001], "KEFU_ADMIN_IDS: -1001000000001 is not a person's id:"),
        ([0], "KEFU_ADMIN_IDS: 0 is not a person's id:"),
        ([3001, 7000000001], "KEFU_ADMIN_IDS: 7000000001 is the bot itself:"),
    ],
)
def test_admins_are_people(admin_ids: list[int], refused: str | None) -> None:
    assert_refused(admin_ids_problem(admin_ids, bot_id=7000000001), refused)
