"""Everything the sandbox returns or delivers matches the Bot API spec and parses in PTB.

The `sandbox` fixture checks every answer and webhook body at teardown; these tests make
sure that every method and every kind of update actually passes through that check.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiogram
import aiohttp
import pydantic
import pytest
from aiohttp import web

from sandbox.client import SandboxClient
from sandbox.spec import BotApiSpec
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BOT_ID, TOKEN, BotApi, Conformance, aiogram_parse
from tests.sandbox.test_files import png

ALICE, BOB, DESK = 1001, 1002, -1001000000001
INLINE = {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}, {"text": "Site",
                                "url": "https://example.com"}]]}  # fmt: skip


async def act_out_everything(api: BotApi, client: SandboxClient) -> None:
    """Users and a bot doing one of each thing the sandbox supports."""
    alice = await client.create_user(ALICE, "Alice", username="alice_w", language_code="en")
    await client.create_user(BOB, "鲍勃", last_name="王")
    await client.create_group(DESK, "Desk", members=[ALICE], admins=[BOB])
    await alice.send("/start hello https://example.com #tag @bob_bob")
    await alice.send_photo(png(8, 8), caption="a photo")
    await alice.send_document("a.pdf", b"%PDF-1.4", mime_type="application/pdf")
    await alice.send_sticker("🤔")
    clip = await alice.send_video(b"mp4", duration=3, caption="clip")
    await alice.send_contact("+10000000000")
    await alice.send_location(31.23, 121.47)
    await alice.send("in the group", chat_id=DESK)
    text = await api.ok(
        "sendMessage", chat_id=ALICE, text="<b>Hi</b> <a href='tg://user?id=1001'>you</a>",
        parse_mode="HTML", reply_markup=INLINE,
    )  # fmt: skip
    await alice.edit((await alice.send("typo"))["message_id"], "fixed")
    await alice.press("Yes", timeout=0.05)
    await api.ok("sendMessage", chat_id=ALICE, text="forced", reply_markup={"force_reply": True})
    await api.ok("sendChatAction", chat_id=ALICE, action="typing")
    photo = await api.ok("sendPhoto", chat_id=ALICE, photo=text and await upload(api))
    await api.ok("sendDocument", chat_id=ALICE, document=photo["photo"][0]["file_id"])
    await api.ok("sendSticker", chat_id=ALICE, sticker=photo["photo"][0]["file_id"])
    await api.ok("sendContact", chat_id=ALICE, phone_number="+1", first_name="Support")
    await api.ok("sendVideo", chat_id=BOB, video=clip["video"]["file_id"], width=640, height=360)
    await api.ok("sendLocation", chat_id=ALICE, latitude=1.5, longitude=2)
    await api.ok(
        "sendMediaGroup", chat_id=ALICE,
        media=[{"type": "photo", "media": photo["photo"][0]["file_id"], "caption": "1"},
               {"type": "photo", "media": photo["photo"][0]["file_id"]}],
    )  # fmt: skip
    await api.ok("copyMessage", chat_id=BOB, from_chat_id=ALICE, message_id=1)
    await api.ok("forwardMessage", chat_id=BOB, from_chat_id=ALICE, message_id=1)
    await api.ok("copyMessages", chat_id=BOB, from_chat_id=ALICE, message_ids=[1, 2])
    await api.ok("forwardMessages", chat_id=BOB, from_chat_id=ALICE, message_ids=[1, 2])
    await api.ok("editMessageText", chat_id=ALICE, message_id=text["message_id"], text="Hi!")
    await api.ok(
        "editMessageReplyMarkup", chat_id=ALICE, message_id=text["message_id"],
        reply_markup=INLINE,
    )  # fmt: skip
    await api.ok("editMessageCaption", chat_id=ALICE, message_id=photo["message_id"], caption="c")
    await api.ok("getFile", file_id=photo["photo"][0]["file_id"])
    topic = await api.ok("createForumTopic", chat_id=DESK, name="T", icon_custom_emoji_id="5")
    thread = topic["message_thread_id"]
    await api.ok("sendMessage", chat_id=DESK, text="in topic", message_thread_id=thread)
    await api.ok("editForumTopic", chat_id=DESK, message_thread_id=thread, name="T2")
    await api.ok("closeForumTopic", chat_id=DESK, message_thread_id=thread)
    await api.ok("reopenForumTopic", chat_id=DESK, message_thread_id=thread)
    await api.ok("closeGeneralForumTopic", chat_id=DESK)
    await api.ok("reopenGeneralForumTopic", chat_id=DESK)
    await api.ok("unpinAllForumTopicMessages", chat_id=DESK, message_thread_id=thread)
    for chat_id in (ALICE, DESK):
        await api.ok("getChat", chat_id=chat_id)
        await api.ok("getChatMemberCount", chat_id=chat_id)
    for user_id in (ALICE, BOB, BOT_ID):
        await api.ok("getChatMember", chat_id=DESK, user_id=user_id)
    await client.create_user(3, "Left")
    await api.ok("getChatMember", chat_id=DESK, user_id=3)
    await api.ok("getChatMember", chat_id=ALICE, user_id=ALICE)
    await api.ok("getChatAdministrators", chat_id=DESK, return_bots=True)
    await api.ok("setMyCommands", commands=[{"command": "start", "description": "Start"}],
                 scope={"type": "chat", "chat_id": DESK}, language_code="zh")  # fmt: skip
    await api.ok("getMyCommands", scope={"type": "chat", "chat_id": DESK}, language_code="zh")
    await api.ok("deleteMyCommands")
    await api.ok("setMyName", name="Kefu 客服")
    await api.ok("getMyName")
    await api.ok("setMyDescription", description="After-sales", language_code="en")
    await api.ok("getMyDescription", language_code="en")
    await api.ok("getMyShortDescription")
    await api.ok("setChatMenuButton", menu_button={"type": "commands"})
    await api.ok("getChatMenuButton", chat_id=ALICE)
    await api.ok("getMyDefaultAdministratorRights")
    await api.ok("setMyDefaultAdministratorRights")
    await api.ok("getWebhookInfo")
    await api.ok("deleteMessage", chat_id=ALICE, message_id=1)
    await api.ok("deleteMessages", chat_id=ALICE, message_ids=[2, 3])
    await api.ok("deleteForumTopic", chat_id=DESK, message_thread_id=thread)
    await alice.block()
    await api.ok("getMe")
    await api.ok("logOut")
    await api.ok("close")


async def upload(api: BotApi) -> str:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(BOB))
    form.add_field("photo", png(100, 50), filename="p.png", content_type="image/png")
    _, body = await api.form("sendPhoto", form)
    return body["result"]["photo"][-1]["file_id"]


async def test_every_answer_and_update_is_spec_conformant(
    sandbox: Harness, api: BotApi, client: SandboxClient, spec: BotApiSpec
) -> None:
    await act_out_everything(api, client)
    updates = await api.ok("getUpdates")
    kinds = {next(k for k in u if k != "update_id") for u in updates}
    assert kinds == {"message", "edited_message", "callback_query", "my_chat_member"}
    for chat_id in (ALICE, BOB, DESK):
        for message in await client.chat(chat_id).messages():
            spec.check(message, "Message")
    assert sandbox.conformance.check() > 50
    methods = {what for what, body in sandbox.conformance.seen if body.get("ok")}
    assert len(methods) >= 45, sorted(methods)


async def test_webhook_bodies_are_spec_conformant(
    sandbox: Harness, api: BotApi, client: SandboxClient, spec: BotApiSpec
) -> None:
    bodies: list[dict[str, Any]] = []
    got_all = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        bodies.append(json.loads(await request.text()))
        if len(bodies) >= 8:
            got_all.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await api.ok("setWebhook", url=f"http://127.0.0.1:{runner.addresses[0][1]}/hook")
        alice = await client.create_user(ALICE, "Alice")
        await client.create_group(DESK, "Desk", members=[ALICE])
        await alice.send("one")
        await alice.send_photo(png(4, 4))
        await alice.edit((await alice.send("two"))["message_id"], "2")
        await api.ok("sendMessage", chat_id=ALICE, text="?", reply_markup=INLINE)
        await alice.press("Yes", timeout=0.05)
        await alice.block()
        await alice.send("back", chat_id=ALICE)
        await asyncio.wait_for(got_all.wait(), 5)
        await api.ok("deleteWebhook")
    finally:
        await runner.cleanup()
    for body in bodies:
        spec.check(body, "Update")
    assert sum(what == "webhook" for what, _ in sandbox.conformance.seen) >= 8


def test_the_teardown_check_catches_bad_answers(spec: BotApiSpec) -> None:
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 1, "type": "private", "first_name": "A"},
        "text": "hi",
    }
    good = Conformance(spec)
    good.tap("sendMessage", {"ok": True, "result": message})
    good.tap("getMe", {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert good.check() == 2
    for bad_body in (
        {"ok": True, "result": {**message, "bogus": 1}},
        {"ok": True, "result": {k: v for k, v in message.items() if k != "chat"}},
        {"ok": False, "error_code": "429", "description": "Too Many Requests"},
        {"ok": False, "error_code": 429, "description": "x", "parameters": {"retry": 1}},
    ):
        bad = Conformance(spec)
        bad.tap("sendMessage", bad_body)
        with pytest.raises(AssertionError):
            bad.check()


def test_aiogram_refuses_what_bot_api_10_3_clients_refuse() -> None:
    """The aiogram half of the teardown check, on answers the 10.1 spec file alone would pass."""
    bot = aiogram.Bot(TOKEN)
    me = {"id": BOT_ID, "is_bot": True, "first_name": "Kefu", "username": "kefu_bot"}
    admin = {
        "status": "administrator", "user": me, "can_be_edited": False, "is_anonymous": False,
        "can_manage_chat": True, "can_delete_messages": True, "can_manage_video_chats": True,
        "can_restrict_members": True, "can_promote_members": False, "can_change_info": True,
        "can_invite_users": True, "can_post_stories": True, "can_edit_stories": True,
        "can_delete_stories": True, "can_send_welcome_messages": True,
    }  # fmt: skip
    aiogram_parse("getChatMember", {"ok": True, "result": admin}, bot)
    aiogram_parse("getMe", {"ok": False, "error_code": 401, "description": "Unauthorized"}, bot)
    before_10_3 = {k: v for k, v in admin.items() if k != "can_send_welcome_messages"}
    with pytest.raises(pydantic.ValidationError, match="can_send_welcome_messages"):
        aiogram_parse("getChatMember", {"ok": True, "result": before_10_3}, bot)
    update = {"update_id": 1, "my_chat_member": {
        "chat": {"id": DESK, "type": "supergroup", "title": "Desk"}, "from": me, "date": 0,
        "old_chat_member": {"status": "left", "user": me}, "new_chat_member": before_10_3,
    }}  # fmt: skip
    with pytest.raises(pydantic.ValidationError, match="can_send_welcome_messages"):
        aiogram_parse("webhook", update, bot)
    with pytest.raises(AssertionError, match=r"not know these fields: .*getMe.result: User.x"):
        aiogram_parse("getMe", {"ok": True, "result": {**me, "x": 1}}, bot)
