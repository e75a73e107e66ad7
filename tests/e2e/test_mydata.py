"""/mydata: the customer downloads everything Kefu holds about them, and only that."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sandbox.chatview import ChatView
from sandbox.client import SandboxClient, SandboxUser
from tests.conftest import STAFF_CHAT_ID, accept_privacy
from tests.e2e.helpers import ask_a_person, wait_for_topic

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]

QUESTION = "Does the AquaPure 600G fit under a sink 45 cm deep?"
FOLLOW_UP = "The cabinet door is 52 cm wide, if that matters."
STAFF_REPLY = "Yes: it needs 38 cm of depth and 40 cm of width."
INTERNAL_NOTE = "Asked the same last year, possibly a reseller."
OTHER_QUESTION = "智能马桶盖可以在苏州安装吗？"


async def download_my_data(
    client: SandboxClient, customer: SandboxUser
) -> tuple[dict, bytes, Any]:
    """The document /mydata sends, its bytes, and its JSON parsed."""
    await customer.send("/mydata")
    sent = await customer.chat.wait_for_bot_message()
    assert "document" in sent, sent
    raw = await client.file(sent["document"]["file_id"])
    return sent, raw, json.loads(raw.decode("utf-8"))


async def staff_topic(client: SandboxClient, number: str) -> ChatView:
    topic = await wait_for_topic(client, f"#{number}")
    return client.chat(STAFF_CHAT_ID, topic["message_thread_id"])


async def test_mydata_holds_the_customers_own_record_and_nothing_internal(
    alice: SandboxUser,
    wang: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
) -> None:
    await accept_privacy(alice)
    assert "K-000001 is open" in await ask_a_person(alice, QUESTION)
    topic = await staff_topic(client, "K-000001")
    await alice.send(FOLLOW_UP)
    await topic.wait_for_text(FOLLOW_UP)
    await staff_member.send(STAFF_REPLY, chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id)
    await alice.chat.wait_for_text(STAFF_REPLY)
    await staff_member.send(
        f"/note {INTERNAL_NOTE}", chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id
    )
    await topic.wait_for_text("Internal note saved")

    await accept_privacy(wang)
    await wang.press("咨询问题")
    await wang.chat.wait_for_text("您想了解什么")
    await wang.send(OTHER_QUESTION)
    await wang.chat.wait_for_bot_message()
    await wang.press("转人工客服")
    await wang.chat.wait_for_text("K-000002")

    sent, raw, data = await download_my_data(client, alice)

    name = sent["document"]["file_name"]
    assert name.startswith("kefu-mydata-") and name.endswith(".json")
    assert "everything Kefu holds about you" in sent["caption"]
    assert data["format"] == 1 and data["generated_at"].endswith("+00:00")
    profile = data["profile"]
    assert (profile["telegram_id"], profile["first_name"], profile["username"]) == (
        alice.id,
        "Alice",
        "alice_w",
    )
    assert profile["consent_at"] is not None and profile["declined_privacy_at"] is None
    assert [step["kind"] for step in data["consent_history"]] == ["accepted"]

    (ticket,) = data["tickets"]
    assert (ticket["number"], ticket["type"], ticket["description"]) == (
        "K-000001",
        "consultation",
        QUESTION,
    )
    said = [(e["kind"], e["by"], e.get("text")) for e in ticket["history"] if "text" in e]
    assert said == [
        ("created", "customer", QUESTION),
        ("customer_message", "customer", FOLLOW_UP),
        ("staff_reply", "staff", STAFF_REPLY),
    ]
    assert "internal notes" in data["left_out"]["statement"]
    assert "internal_staff_notes" in data["left_out"]["items"]

    for not_hers in (INTERNAL_NOTE, OTHER_QUESTION, "K-000002", "王芳", "wangfang", "Li Wei"):
        assert not_hers.encode() not in raw


async def test_the_export_keeps_chinese_readable(wang: SandboxUser, client: SandboxClient) -> None:
    await accept_privacy(wang)

    _, raw, data = await download_my_data(client, wang)

    assert "王芳".encode() in raw  # UTF-8 as is, not \\u escapes
    assert data["profile"]["language"] == "zh_Hans" and data["tickets"] == []


async def test_mydata_in_the_middle_of_a_request_leaves_the_request_where_it_was(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")

    _, _, data = await download_my_data(client, alice)

    assert data["tickets"] == []
    await alice.press("ZeroG M8 massage chair")
    assert "serial number" in (await alice.chat.wait_for_bot_message())["text"]


async def test_a_customer_who_declined_gets_what_little_is_kept(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await alice.send("/start")
    notice = await alice.chat.wait_for_bot_message()
    decline = next(
        button["text"]
        for row in notice["reply_markup"]["inline_keyboard"]
        for button in row
        if button.get("callback_data") == "privacy:decline"
    )
    await alice.press(decline)
    await alice.chat.wait_for_bot_message()

    _, raw, data = await download_my_data(client, alice)

    assert [step["kind"] for step in data["consent_history"]] == ["declined"]
    profile = data["profile"]
    assert profile["telegram_id"] == alice.id and profile["declined_privacy_at"] is not None
    assert profile["first_name"] is None and b"Alice" not in raw
