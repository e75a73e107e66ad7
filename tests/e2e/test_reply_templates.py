"""Reply templates, end to end: an admin manages them with /templates; staff send one with
/reply in a ticket's topic, and the customer gets it in their language, filled in and signed,
as a staff reply."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.i18n import Catalogs
from bot.services import Kefu
from sandbox.chatview import ChatView, text_of
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from storage import templates
from storage.enums import EventKind, Language
from tests.conftest import AMY, STAFF_CHAT_ID, TOKEN, RunningBot, accept_privacy
from tests.e2e.helpers import BUSINESS_ZONE
from tests.e2e.privacy_scan import withdraw_consent
from tests.e2e.test_button_presses import assert_each_press_answered_once
from tests.e2e.test_staff_desk import (
    accept_privacy_zh,
    buttons,
    open_ticket,
    ticket_state,
    topic_of,
)

CATALOGS = Catalogs()
PART_ARRIVED = {
    "en": "Hello {customer}, the part for your {product} ({ticket}) has arrived. {staff} will "
    "finish the repair before {due}.",
    "zh_Hans": "{customer}您好，您的{product}（{ticket}）的零件已到。{staff}会在{due}前修好。",
}


@pytest.fixture
async def desk_bot(
    sandbox: RunningSandbox, kefu_bot: RunningBot, staff_member: SandboxUser
) -> AsyncIterator[Bot]:
    """Kefu running with a staff chat used before, and a handle on its bot account."""
    await staff_member.send("Good morning, team!", chat_id=STAFF_CHAT_ID)
    async with Bot(
        TOKEN, base_url=f"{sandbox.base_url}/bot", base_file_url=f"{sandbox.base_url}/file/bot"
    ) as bot:
        yield bot


async def add_template(kefu: Kefu, name: str, texts: dict[str, str]) -> int:
    """A template as /templates saves it (the flow has its own test)."""
    async with kefu.db.unit_of_work() as session:
        added = await templates.add(
            session, name=name, texts=texts, created_by=AMY.id, now=kefu.clock.now()
        )
        assert added is not None
        return added.id


def in_topic(topic: ChatView) -> dict[str, int]:
    return {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}  # type: ignore[dict-item]


async def due_shown(kefu: Kefu, number: str, language: str) -> str:
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.resolution_due_at is not None
    return CATALOGS.for_language(language).format_time(ticket.resolution_due_at, BUSINESS_ZONE)


# --- /templates ---------------------------------------------------------------------------------


async def test_an_admin_adds_edits_and_deletes_a_template_and_bad_texts_are_refused(
    kefu_bot: RunningBot, admin: SandboxUser, mallory: SandboxUser, client: SandboxClient
) -> None:
    await admin.send("/templates")
    await admin.chat.wait_for_text("There are no reply templates yet.")
    await admin.press("Add a template")
    await admin.chat.wait_for_text("Type a short name")
    await admin.send("filter change")
    await admin.chat.wait_for_text("lower-case letters, digits and hyphens, like filter-change")
    await admin.send("filter-change")
    await admin.chat.wait_for_text("in English")

    await admin.send("Hello {name}, your filter is on its way.")
    refused = await admin.chat.wait_for_text("is not a placeholder Kefu knows")
    assert refused["text"] == (
        "{name} is not a placeholder Kefu knows. You can use: "
        "{customer}, {ticket}, {product}, {due}, {staff}."
    )
    await admin.send("Hello {customer, your filter is on its way.")
    await admin.chat.wait_for_text("A brace has no partner")
    await admin.send("Hello {customer}, the filter for {ticket} is on its way.")
    await admin.chat.wait_for_text("in Simplified Chinese")
    await admin.send("{customer}您好，{ticket}的滤芯已寄出。")
    await admin.chat.wait_for_text("in Traditional Chinese")
    await admin.press("No text: send the English one")
    preview = await admin.chat.wait_for_text("Template filter-change:")
    assert "English:\nHello {customer}, the filter for {ticket} is on its way." in preview["text"]
    assert "Simplified Chinese:\n{customer}您好" in preview["text"]
    assert "Traditional Chinese" not in preview["text"]
    await admin.press("Save the template")
    await admin.chat.wait_for_text("Template filter-change saved")

    # The name is taken now.
    await admin.send("/templates")
    await admin.chat.wait_for_text("Press one to see, edit or delete it")
    await admin.press("Add a template")
    await admin.chat.wait_for_text("Type a short name")
    await admin.send("Filter-Change")
    await admin.chat.wait_for_text("There is already a template called filter-change")
    await admin.chat.wait_for_text("Type a short name")
    await admin.press("Cancel")
    await admin.chat.wait_for_text("Cancelled")

    # Edit: English kept, the Simplified Chinese text retyped, a Traditional one added.
    await admin.send("/templates")
    await admin.chat.wait_for_text("Press one to see")
    await admin.press("filter-change")
    shown = await admin.chat.wait_for_text("Template filter-change:")
    assert buttons(shown)[:2] == ["Edit the texts", "Delete"]
    await admin.press("Edit the texts")
    await admin.chat.wait_for_text("The current text:\nHello {customer}")
    await admin.press("Keep the current text")
    await admin.chat.wait_for_text("in Simplified Chinese")
    await admin.send("{customer}您好，滤芯已寄出（{ticket}）。")
    await admin.chat.wait_for_text("in Traditional Chinese")
    await admin.send("{customer}您好，濾芯已寄出（{ticket}）。")
    preview = await admin.chat.wait_for_text("Template filter-change:")
    assert "English:\nHello {customer}, the filter" in preview["text"]
    assert "Simplified Chinese:\n{customer}您好，滤芯已寄出（{ticket}）。" in preview["text"]
    assert "Traditional Chinese:\n{customer}您好，濾芯" in preview["text"]
    await admin.press("Save the template")
    await admin.chat.wait_for_text("Template filter-change saved")

    # Delete, after a confirmation.
    await admin.send("/templates")
    await admin.chat.wait_for_text("Press one to see")
    await admin.press("filter-change")
    await admin.chat.wait_for_text("Template filter-change:")
    await admin.press("Delete")
    await admin.chat.wait_for_text("Staff will no longer be able to send it")
    await admin.press("Delete it")
    await admin.chat.wait_for_text("Template filter-change deleted.")
    await admin.send("/templates")
    await admin.chat.wait_for_text("There are no reply templates yet.")

    await mallory.send("/templates")
    await mallory.chat.wait_for_text("only Kefu's administrators can manage reply templates")
    await assert_each_press_answered_once(client)


# --- /reply <name> ------------------------------------------------------------------------------


async def test_reply_sends_the_template_in_each_customers_language_filled_in(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    wang: SandboxUser,
    chen: SandboxUser,
    staff_member: SandboxUser,
    mallory: SandboxUser,
    client: SandboxClient,
) -> None:
    await add_template(kefu, "part-arrived", PART_ARRIVED)
    await accept_privacy(alice)
    await accept_privacy_zh(wang)
    await accept_privacy_zh(chen, accept="同意")
    en = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    hans = await open_ticket(kefu, desk_bot, wang, language=Language.ZH_HANS)
    hant = await open_ticket(kefu, desk_bot, chen, language=Language.ZH_HANT)
    for customer in (alice, wang, chen):
        await customer.chat.catch_up()

    en_topic = await topic_of(client, en)
    await staff_member.send("/reply part-arrived", **in_topic(en_topic))
    got = await alice.chat.wait_for_text("the part for your")
    due = await due_shown(kefu, en, "en")
    assert got["text"] == (
        f"Hello Alice, the part for your ZeroG M8 massage chair ({en}) has arrived. Li Wei will "
        f"finish the repair before {due}.\n\n— Li Wei, Support"
    )
    told = await en_topic.wait_for_text("Sent the template part-arrived to the customer:")
    assert f"Hello Alice, the part for your ZeroG M8 massage chair ({en})" in told["text"]
    assert "sent in English" not in told["text"]
    ticket, record = await ticket_state(kefu, en)
    assert ticket.first_response_at is not None  # the template was the first response
    sent = [e for e in record if e.kind == EventKind.STAFF_REPLY]
    assert [(e.actor_name, e.data, e.text) for e in sent] == [
        ("Li Wei", {"delivered": True, "template": "part-arrived"}, got["text"].split("\n\n")[0])
    ]

    hans_topic = await topic_of(client, hans)
    await staff_member.send("/reply part-arrived", **in_topic(hans_topic))
    got = await wang.chat.wait_for_text("的零件已到")
    due = await due_shown(kefu, hans, "zh_Hans")
    assert got["text"] == (
        f"王芳您好，您的ZeroG M8 零重力按摩椅（{hans}）的零件已到。Li Wei会在{due}前修好。"
        "\n\n—— 客服 Li Wei"
    )
    told = await hans_topic.wait_for_text("Sent the template part-arrived")
    assert "sent in English" not in told["text"]

    # No Traditional Chinese text: English goes, and staff are told.
    hant_topic = await topic_of(client, hant)
    await staff_member.send("/reply part-arrived", **in_topic(hant_topic))
    got = await chen.chat.wait_for_text("the part for your")
    assert got["text"].startswith("Hello 陳美玲, the part for your ZeroG M8 零重力按摩椅")
    told = await hant_topic.wait_for_text("Sent the template part-arrived")
    assert told["text"].endswith(
        "The template part-arrived has no Traditional Chinese text: sent in English."
    )

    # Wrong names and wrong places are answered, and nothing reaches a customer.
    await staff_member.send("/reply part-arived", **in_topic(en_topic))
    unknown = await en_topic.wait_for_text("There is no template called part-arived")
    assert unknown["text"].endswith("The templates are: part-arrived.")
    await staff_member.send("/reply part-arrived", chat_id=STAFF_CHAT_ID)
    general = client.chat(STAFF_CHAT_ID)
    await general.wait_for_text("Use this command inside a ticket's topic.")
    await mallory.send("/reply part-arrived")
    await mallory.chat.wait_for_text("Sorry, only our support team can do that.")
    _, record = await ticket_state(kefu, en)
    assert len([e for e in record if e.kind == EventKind.STAFF_REPLY]) == 1


# --- /reply alone: the buttons ------------------------------------------------------------------


async def test_reply_alone_offers_buttons_and_refuses_forged_stale_and_erased(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
) -> None:
    await add_template(kefu, "part-arrived", PART_ARRIVED)
    stale = await add_template(kefu, "visit-booked", {"en": "See you soon, {customer}."})
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await alice.chat.catch_up()

    await staff_member.send("/reply", **in_topic(topic))
    picker = await topic.wait_for_text("Which template?")
    assert buttons(picker) == ["part-arrived", "visit-booked"]
    ticket, _ = await ticket_state(kefu, number)
    forged = await staff_member.press_forged(
        f"reply:{ticket.id + 1}:{stale}", **in_topic(topic), message_id=picker["message_id"]
    )
    assert forged is not None and forged["text"] == "This button is no longer valid."
    async with kefu.db.unit_of_work() as session:
        await templates.remove(session, stale)
    gone = await staff_member.press("visit-booked", **in_topic(topic))
    assert gone is not None and gone["text"] == "This button is no longer valid."

    await staff_member.press("part-arrived", **in_topic(topic))
    got = await alice.chat.wait_for_text("the part for your")
    assert got["text"].endswith("— Li Wei, Support")
    await topic.wait_for_text("Sent the template part-arrived to the customer:")
    pressed = next(m for m in await topic.messages() if m["message_id"] == picker["message_id"])
    assert buttons(pressed) == []  # one press, one reply
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.first_response_at is not None

    # The customer withdraws consent: their data is erased, and no template reaches them.
    await withdraw_consent(alice)
    await staff_member.send("/reply part-arrived", **in_topic(topic))
    await topic.wait_for_text("withdrew their consent or erased their data, so nothing was sent")
    replies = [m for m in await alice.chat.messages() if "the part for your" in text_of(m)]
    assert len(replies) == 1
    await assert_each_press_answered_once(client)
