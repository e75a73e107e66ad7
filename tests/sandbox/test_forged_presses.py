"""Forged presses: callback data that is on no button, as a modified client can send it.

The official apps only send what a button holds, so the control API refuses other data
unless the press says "forged": true; then the bot gets it like any callback_query (the Bot
API warns that "the message originated the query can contain no callback buttons with this
data").
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sandbox.client import SandboxApiError, SandboxClient
from tests.sandbox.support import BotApi

ALICE = 1001
MENU = {"inline_keyboard": [[{"text": "Close ticket 1", "callback_data": "desk:close:1"}]]}


async def answer_next_query(api: BotApi, text: str) -> dict[str, Any]:
    """Polls one callback_query, answers it with `text`, returns the query."""
    (update,) = await api.ok("getUpdates", timeout=5)
    await api.ok("getUpdates", offset=update["update_id"] + 1, timeout=0)
    query = update["callback_query"]
    await api.ok("answerCallbackQuery", callback_query_id=query["id"], text=text)
    return query


async def test_data_on_no_button_is_refused_without_the_flag(
    api: BotApi, client: SandboxClient
) -> None:
    await client.create_user(ALICE, "Alice")
    card = await api.ok("sendMessage", chat_id=ALICE, text="Ticket 1", reply_markup=MENU)
    press = {"from": ALICE, "message_id": card["message_id"], "data": "desk:close:2"}
    with pytest.raises(SandboxApiError, match='say "forged": true') as refused:
        await client.post("/callbacks", press)
    assert refused.value.status == 400
    with pytest.raises(SandboxApiError, match='"forged" must be true or false'):
        await client.post("/callbacks", {**press, "forged": "yes"})
    assert await api.ok("getUpdates") == []  # the bot heard of neither


async def test_a_forged_press_reaches_the_bot_as_a_callback_query(
    api: BotApi, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    card = await api.ok("sendMessage", chat_id=ALICE, text="Ticket 1", reply_markup=MENU)
    pressing = asyncio.create_task(alice.press_forged("desk:close:2"))
    query = await answer_next_query(api, "Nothing to do here")
    assert await pressing == {"text": "Nothing to do here", "show_alert": False}
    assert query["data"] == "desk:close:2"
    assert query["from"]["id"] == ALICE
    assert query["message"]["message_id"] == card["message_id"]
    assert query["message"]["reply_markup"] == MENU  # the keyboard never held that data


async def test_a_forged_press_may_name_any_bot_message_and_any_data(
    api: BotApi, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    plain = await api.ok("sendMessage", chat_id=ALICE, text="No keyboard at all")
    junk = "\u202e" + "x" * 200
    pressing = asyncio.create_task(
        alice.press_forged(junk, message_id=plain["message_id"], timeout=5)
    )
    query = await answer_next_query(api, "Sorry, that button is no longer valid")
    assert query["data"] == junk
    assert (await pressing)["text"] == "Sorry, that button is no longer valid"

    mine = await alice.send("my own message")
    with pytest.raises(SandboxApiError, match="was not sent by a bot"):
        await alice.press_forged("x", message_id=mine["message_id"])


async def test_press_forged_needs_a_keyboard_when_no_message_is_named(
    client: SandboxClient,
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    with pytest.raises(AssertionError, match="no bot message with an inline keyboard"):
        await alice.press_forged("menu:repair")
