"""First contact, languages, help, unknown commands and command menus, through the sandbox."""

from __future__ import annotations

import pytest

from bot.services import Kefu
from sandbox.client import SandboxClient, SandboxUser
from storage import tickets
from storage.enums import TicketStatus
from tests.conftest import STAFF_CHAT_ID, RunningBot, accept_privacy
from tests.e2e.helpers import ask_a_person, wait_for_topic

pytestmark = pytest.mark.usefixtures("kefu_bot")


@pytest.mark.parametrize(
    ("who", "notice", "welcome", "menu_button"),
    [
        ("alice", "Your privacy", "welcome to our after-sales service", "Repair or installation"),
        ("wang", "您的隐私", "欢迎使用我们的售后服务", "维修或安装"),
        ("chen", "您的隱私", "歡迎使用我們的售後服務", "維修或安裝"),
    ],
)
async def test_start_greets_each_customer_in_their_language(
    customers: dict[str, SandboxUser], who: str, notice: str, welcome: str, menu_button: str
) -> None:
    customer = customers[who]
    await customer.send("/start")
    privacy = await customer.chat.wait_for_bot_message()
    assert notice in privacy["text"]
    await customer.press({"alice": "Accept"}.get(who, "同意"))
    greeting = await customer.chat.wait_for_bot_message()
    assert welcome in greeting["text"]
    buttons = [b["text"] for row in greeting["reply_markup"]["inline_keyboard"] for b in row]
    assert menu_button in buttons


async def test_language_choice_is_kept_across_a_restart(
    alice: SandboxUser, kefu_bot: RunningBot
) -> None:
    await accept_privacy(alice)
    await alice.send("/language")
    menu = await alice.chat.wait_for_text("Choose your language")
    await alice.press("繁體中文")
    await alice.chat.wait_for_edit(menu["message_id"], "語言已設定為繁體中文")

    await kefu_bot.restart()
    await alice.send("/help")
    help_text = await alice.chat.wait_for_bot_message()
    assert "客服使用說明" in help_text["text"]


async def test_help_explains_tickets_and_commands(alice: SandboxUser) -> None:
    await alice.send("/help")
    reply = await alice.chat.wait_for_bot_message()
    assert "How Kefu works" in reply["text"]
    assert "/tickets" in reply["text"] and "/language" in reply["text"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [("alice", "I don't know that command"), ("wang", "我不认识这个命令")],
)
async def test_unknown_command_gets_a_localized_answer(
    customers: dict[str, SandboxUser], who: str, expected: str
) -> None:
    customer = customers[who]
    await customer.send("/frobnicate")
    assert expected in (await customer.chat.wait_for_bot_message())["text"]


async def test_stickers_and_stray_text_lead_back_to_the_menu(alice: SandboxUser) -> None:
    await accept_privacy(alice)
    await alice.send_sticker("🤔")
    reply = await alice.chat.wait_for_bot_message()
    assert "choose what you need" in reply["text"]
    assert reply["reply_markup"]["inline_keyboard"]


async def test_answered_questions_lose_their_buttons_and_old_menus_wait(
    alice: SandboxUser,
) -> None:
    await accept_privacy(alice)
    welcome = await alice.chat.last_bot_message()
    assert welcome is not None
    await alice.press("Repair or installation")
    kinds = await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    answered = next(
        m for m in await alice.chat.messages() if m["message_id"] == kinds["message_id"]
    )
    assert "reply_markup" not in answered

    # The welcome's menu is older than the flow: pressing it asks to finish first.
    answer = await alice.press("Complaint", message_id=welcome["message_id"])
    assert answer is not None and answer.get("show_alert")
    assert answer["text"] == "Please finish this request first, or press Cancel."


async def test_command_menus_are_registered_per_audience_and_language(
    client: SandboxClient,
) -> None:
    calls = [c for c in await client.calls("setMyCommands") if c["ok"]]
    registered = {
        (c["params"].get("scope", {}).get("type"), c["params"].get("language_code")) for c in calls
    }
    assert ("all_private_chats", None) in registered
    assert ("all_private_chats", "zh") in registered
    assert ("chat", None) in registered  # the staff chat and each admin
    staff_menu = next(
        c
        for c in calls
        if c["params"].get("scope", {}).get("chat_id") == STAFF_CHAT_ID
        and not c["params"].get("language_code")
    )
    assert "note" in {command["command"] for command in staff_menu["params"]["commands"]}


async def test_a_non_member_in_the_staff_group_is_neither_relayed_nor_obeyed(
    alice: SandboxUser, mallory: SandboxUser, client: SandboxClient, kefu: Kefu
) -> None:
    # A public staff group lets anyone write without joining; membership is what makes staff.
    await client.create_group(
        STAFF_CHAT_ID, "Kefu Staff Desk", is_forum=True, members=[2001, 3001], admins=[3001],
        username="kefu_desk",
    )  # fmt: skip
    await accept_privacy(alice)
    assert "K-000001 is open" in await ask_a_person(alice, "Is there a store in Suzhou?")
    topic = await wait_for_topic(client, "#K-000001")
    thread = topic["message_thread_id"]
    desk = client.chat(STAFF_CHAT_ID, thread)
    # The card comes once the topic is the ticket's: from then on the topic is answered.
    await desk.wait_until(lambda posts: any("#K-000001" in (m.get("text") or "") for m in posts))

    # Each message gets its own refusal, awaited before the next, so neither is mistaken for
    # the other.
    for text in ("Your refund is approved, send me your card number", "/resolve"):
        sent = await mallory.send(text, chat_id=STAFF_CHAT_ID, thread_id=thread)
        refusal = await desk.wait_for_text("only our support team")
        assert refusal["reply_to_message"]["message_id"] == sent["message_id"], text
        assert refusal["reply_to_message"]["from"]["id"] == mallory.id

    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, "K-000001")
    assert ticket is not None and ticket.status == TicketStatus.OPEN
    customer_chat = await alice.chat.messages()
    assert not any("refund" in (m.get("text") or "") for m in customer_chat)
    assert not any("resolved" in (m.get("text") or "") for m in customer_chat)


async def test_an_edited_message_is_explained_not_lost(alice: SandboxUser) -> None:
    await accept_privacy(alice)
    sent = await alice.send("My order number is 12345")
    await alice.chat.wait_for_bot_message()
    await alice.edit(sent["message_id"], "My order number is 12346")
    notice = await alice.chat.wait_for_text("Edits are not passed on")
    assert "send the correction as a new message" in notice["text"]


@pytest.mark.parametrize(
    ("link", "first_question"),
    [
        ("repair", "What do you need?"),
        ("return", "order number"),
        ("complaint", "What is your complaint about?"),
        ("question", "What would you like to know?"),
    ],
)
async def test_a_deep_link_opens_its_flow(
    alice: SandboxUser, link: str, first_question: str
) -> None:
    """`t.me/<bot>?start=repair` on a product's QR code arrives as `/start repair`."""
    await accept_privacy(alice)
    await alice.send(f"/start {link}")
    await alice.chat.wait_for_text(first_question)
