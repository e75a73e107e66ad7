"""The control API: people, groups, chats, keyboards, callbacks, blocking, feeds and reset."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.client import SandboxApiError, SandboxClient
from sandbox.spec import BotApiSpec
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BOT_ID, BotApi

ALICE, BOB, GROUP = 1001, 1002, -1001000000001
KEYBOARD = {"keyboard": [["Yes", "No"]], "one_time_keyboard": True, "resize_keyboard": True}


async def test_users_are_idempotent_and_updatable(client: SandboxClient) -> None:
    first = await client.create_user(ALICE, "Alice", username="alice_w", language_code="en")
    again = await client.create_user(ALICE, "Alicia", language_code="zh-hans")
    assert first.user == {"id": ALICE, "is_bot": False, "first_name": "Alice",
                          "username": "alice_w", "language_code": "en"}  # fmt: skip
    assert again.user["first_name"] == "Alicia" and again.user["language_code"] == "zh-hans"
    assert await client.users() == [again.user]
    with pytest.raises(SandboxApiError, match="first_name") as error:
        await client.create_user(5, "")
    assert error.value.status == 400


async def test_groups_list_and_bot_is_told_it_was_added(
    api: BotApi, client: SandboxClient
) -> None:
    await client.create_user(ALICE, "Alice")
    await api.ok("getMe")
    chat = await client.create_group(GROUP, "Desk", members=[ALICE], admins=[BOB])
    assert chat == {"id": GROUP, "type": "supergroup", "title": "Desk", "is_forum": True}
    (entry,) = await client.chats()
    assert entry["members"] == [ALICE, BOB] and entry["admins"] == [BOB]
    assert entry["owner"] == BOB
    added = (await api.ok("getUpdates"))[-1]["my_chat_member"]
    assert added["new_chat_member"]["status"] == "administrator"
    assert added["new_chat_member"]["can_manage_topics"] is True
    member = await api.ok("getChatMember", chat_id=GROUP, user_id=ALICE)
    assert member["status"] == "member"
    admins = await api.ok("getChatAdministrators", chat_id=GROUP)
    assert [a["status"] for a in admins] == ["creator", "administrator"]
    assert admins[-1]["user"]["id"] == BOT_ID
    with pytest.raises(SandboxApiError, match="negative"):
        await client.create_group(5, "Bad")
    everything = await client.chats("all")
    assert {c["chat"]["type"] for c in everything} == {"supergroup", "private"}


async def test_writing_rules(client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    await client.create_group(GROUP, "Desk", members=[BOB])
    with pytest.raises(SandboxApiError, match="not a member") as error:
        await alice.send("let me in", chat_id=GROUP)
    assert error.value.status == 403
    with pytest.raises(SandboxApiError, match="unknown user"):
        await client.user(4242).send("who am I")
    with pytest.raises(SandboxApiError, match="needs text"):
        await alice.send("   ")


async def test_messages_and_waiting(api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    sent = await alice.send("/start deep_link")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    with pytest.raises(AssertionError, match=r"no new bot message within 0\.2 s"):
        await alice.chat.wait_for_bot_message(timeout=0.2)
    reply = asyncio.create_task(alice.chat.wait_for_bot_message())
    await api.ok("sendMessage", chat_id=ALICE, text="welcome")
    assert (await reply)["text"] == "welcome"
    assert [m["text"] for m in await alice.chat.messages()] == ["/start deep_link", "welcome"]
    assert [m["text"] for m in await alice.chat.messages(after=sent["message_id"])] == ["welcome"]


async def test_reply_keyboards_are_tracked_per_user(
    api: BotApi, client: SandboxClient, spec: BotApiSpec
) -> None:
    alice = await client.create_user(ALICE, "Alice", username="alice_w")
    bob = await client.create_user(BOB, "Bob")
    sent = await api.ok("sendMessage", chat_id=ALICE, text="Sure?", reply_markup=KEYBOARD)
    assert "reply_markup" not in sent  # only inline keyboards appear in Message
    assert await alice.keyboard() == {
        "keyboard": [[{"text": "Yes"}, {"text": "No"}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }
    await alice.send("Yes")
    assert await alice.keyboard() is None  # one-time keyboards hide after use

    await client.create_group(GROUP, "Desk", members=[ALICE, BOB])
    selective = {"keyboard": [["Mine"]], "selective": True}
    await api.ok("sendMessage", chat_id=GROUP, text="@alice_w pick", reply_markup=selective)
    group = client.chat(GROUP)
    assert (await group.keyboard(ALICE))["keyboard"] == [[{"text": "Mine"}]]
    assert await group.keyboard(BOB) is None
    await api.ok("sendMessage", chat_id=GROUP, text="all", reply_markup={"keyboard": [["All"]]})
    assert (await group.keyboard(BOB))["keyboard"] == [[{"text": "All"}]]
    await api.ok("sendMessage", chat_id=GROUP, text="bye", reply_markup={"remove_keyboard": True})
    assert await group.keyboard(ALICE) is None and await group.keyboard(BOB) is None
    await bob.send("ok", chat_id=GROUP)
    for message in await group.messages():
        spec.check(message, "Message")


async def test_callbacks(sandbox: Harness, api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    sent = await api.ok("sendMessage", chat_id=ALICE, text="Press", reply_markup=markup)
    with pytest.raises(SandboxApiError, match="no button with callback_data 'stop'"):
        await client.post(
            "/callbacks",
            {"from": ALICE, "message_id": sent["message_id"], "data": "stop"},
        )
    # Nobody answers: the press returns after its timeout with answer null.
    assert await alice.press("Go", timeout=0.1) is None
    assert await alice.press("Go", timeout=0.1) is None
    first, second = [u["callback_query"] for u in await api.ok("getUpdates")]
    assert first["id"] != second["id"] and first["data"] == "go"
    assert first["message"]["reply_markup"] == markup
    assert await api.ok("answerCallbackQuery", callback_query_id=first["id"], text="ok")
    assert await api.error("answerCallbackQuery", callback_query_id=first["id"]) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    sandbox.state.config.callback_query_ttl = 0  # as if the bot took too long
    assert (await api.error("answerCallbackQuery", callback_query_id=second["id"]))[0] == 400


async def test_blocking_tells_the_bot_and_writing_unblocks(
    api: BotApi, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    await alice.block()
    assert (await api.error("sendMessage", chat_id=ALICE, text="x"))[0] == 403
    await alice.send("/start")  # pressing Restart unblocks, as in Telegram
    await api.ok("sendMessage", chat_id=ALICE, text="welcome back")
    kinds = [
        (u["my_chat_member"]["old_chat_member"]["status"],
         u["my_chat_member"]["new_chat_member"]["status"])
        for u in await api.ok("getUpdates") if "my_chat_member" in u
    ]  # fmt: skip
    assert kinds == [("member", "kicked"), ("kicked", "member")]


async def test_user_edits_reach_the_bot(api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    sent = await alice.send("typo")
    edited = await alice.edit(sent["message_id"], "fixed #tag")
    assert edited["text"] == "fixed #tag" and "edit_date" in edited
    update = (await api.ok("getUpdates"))[-1]["edited_message"]
    assert update["entities"] == [{"type": "hashtag", "offset": 6, "length": 4}]


async def test_events_feed_and_call_log(api: BotApi, client: SandboxClient) -> None:
    start = (await client.events())["seq"]
    empty = await client.events(after=start, timeout=0.1)
    assert empty == {"seq": start, "events": []}
    waiting = asyncio.create_task(client.events(after=start, timeout=10))
    await client.create_user(ALICE, "Alice")
    event = (await waiting)["events"][0]
    assert event == {"seq": start + 1, "kind": "user", "chat_id": ALICE}
    await api.ok("sendMessage", chat_id=ALICE, text="hi")
    kinds = [e["kind"] for e in (await client.events(after=start))["events"]]
    assert kinds == ["user", "message"]
    calls = await client.calls("sendMessage")
    assert calls[0]["params"] == {"chat_id": ALICE, "text": "hi"}
    assert calls[0]["token_bot_id"] == BOT_ID and calls[0]["ok"] is True
    assert await client.calls(after=calls[0]["seq"]) == []


async def test_reset_clears_everything(api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    await alice.send("hi")
    await client.set_limits(per_second=1)
    await client.add_fault("getMe", "500")
    await client.reset()
    assert await client.users() == [] and await client.calls() == []
    assert (await client.get("/limits"))["limits"]["per_second"] == 30
    assert (await api.ok("getMe"))["id"] == BOT_ID  # no fault left; the default bot remains
    assert await api.ok("getUpdates") == []


async def test_second_bot_has_its_own_private_chats(sandbox: Harness) -> None:
    other = BotApi(sandbox.base_url, "987654321:SECOND-BOT")
    try:
        me = await other.ok("getMe")
        assert me["username"] == "kefu_987654321_bot"
        async with SandboxClient(sandbox.base_url, bot_id=987654321) as second:
            alice = await second.create_user(ALICE, "Alice")
            await alice.send("to the second bot")
            updates = await other.ok("getUpdates")
            assert updates[0]["message"]["text"] == "to the second bot"
        assert await sandbox.api.ok("getUpdates") == []  # the first bot saw nothing
        assert await sandbox.client.user(ALICE).chat.messages() == []
    finally:
        await other.close()


async def test_files_endpoint(sandbox: Harness, client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    sent = await alice.send_document("a.bin", b"\x00\x01")
    assert await client.file(sent["document"]["file_id"]) == b"\x00\x01"
    with pytest.raises(SandboxApiError, match="unknown file_id"):
        await client.file("nope")


async def test_update_ids_keep_growing_across_a_reset(api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    await alice.send("before")
    (before,) = await api.ok("getUpdates")
    await client.reset()
    alice = await client.create_user(ALICE, "Alice")
    await alice.send("after")
    # A poller that kept its offset must still see what comes after a reset.
    (after,) = await api.ok("getUpdates", offset=before["update_id"] + 1)
    assert after["message"]["text"] == "after"


async def test_anyone_may_write_in_a_public_group_but_not_in_a_private_one(
    api: BotApi, client: SandboxClient
) -> None:
    await api.ok("getMe")
    outsider = await client.create_user(4242, "Outsider")
    await client.create_group(-1009000000001, "Private club", is_forum=False)
    public = await client.create_group(
        -1009000000002, "Open help", is_forum=False, username="open_help"
    )
    assert public["username"] == "open_help"
    with pytest.raises(SandboxApiError) as refused:
        await outsider.send("hi", chat_id=-1009000000001)
    assert refused.value.status == 403
    message = await outsider.send("hi", chat_id=-1009000000002)
    assert message["chat"]["username"] == "open_help"
    member = await api.ok("getChatMember", chat_id=-1009000000002, user_id=4242)
    assert member["status"] == "left"
