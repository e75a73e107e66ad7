"""One consent gate in front of every path that keeps or relays anything personal.

A customer who declined the privacy notice, or who withdrew their consent, is asked for consent
at every entry point (flow entries, commands, deep links, stale buttons, free text, contacts,
locations, photos, documents), and Kefu keeps nothing of what they sent: no ticket, no flow
draft (`user_states`), and none of their values in any column (`privacy_scan.find_values`).
Before consent Kefu keeps only the Telegram id, the language and the consent state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from sandbox.chatview import Message, inline_buttons, text_of
from sandbox.client import SandboxClient, SandboxUser
from tests.conftest import STAFF_CHAT_ID, RunningBot, accept_privacy
from tests.e2e.helpers import TINY_PNG, ask_a_person, wait_for_topic
from tests.e2e.privacy_scan import at_rest, count_rows, find_values, withdraw_consent

NAME, SURNAME, USERNAME = "Quillon", "Marrowby", "quillon_zq77"
PROFILE = [NAME, SURNAME, USERNAME]
PHONE = "+86 139 4172 5386"
PHONE_FORMS = ["139 4172 5386", "13941725386"]
CONTACT_PHONE = "+8613729648051"
LATITUDE, LONGITUDE = 31.274619, 121.583927
QUESTION = "Can your technician come to 17 Heron Quay?"
CAPTION = "the copper hinge squeaks twice"
RECEIPT, RECEIPT_CAPTION = "quillon-receipt-77341.pdf", "receipt for the heron filter"

ASKED_FOR_CONSENT = (
    "To open a service ticket we need to keep your name and the details you give us. "
    "Please read and accept our privacy notice first."
)


@pytest.fixture
async def quillon(client: SandboxClient) -> SandboxUser:
    return await client.create_user(
        4711, NAME, username=USERNAME, last_name=SURNAME, language_code="en"
    )


# --- two customers without consent --------------------------------------------------------------
# Each returns a main menu the customer was shown before refusing: a stale one.


async def declined(user: SandboxUser) -> Message:
    await user.send("/start")
    notice = await user.chat.wait_for_text("Your privacy")
    await user.send("/menu")
    menu = await user.chat.wait_for_text("How can we help you?")
    await user.press("Decline", message_id=notice["message_id"])
    await user.chat.wait_for_text("we keep nothing about you")
    return menu


async def withdrew(user: SandboxUser) -> Message:
    await accept_privacy(user)
    welcome = await user.chat.last_bot_message()
    assert welcome is not None and inline_buttons(welcome)
    await withdraw_consent(user)
    return welcome


# --- entry points: each returns the distinctive values it sent ----------------------------------

Entry = Callable[[SandboxUser, Message], Awaitable[list[str]]]


def menu_button(label: str) -> Entry:
    async def press(user: SandboxUser, _stale_menu: Message) -> list[str]:
        await user.send("/menu")
        await user.chat.wait_for_text("How can we help you?")
        await user.press(label)
        return []

    return press


async def talk_to_a_person(user: SandboxUser, _stale_menu: Message) -> list[str]:
    await user.send("/menu")
    await user.chat.wait_for_text("How can we help you?")
    await user.press("Ask a question")
    await user.chat.wait_for_text("What would you like to know?")
    await user.send(QUESTION)
    await user.chat.wait_for_bot_message()  # the FAQ's suggestions, or none
    await user.press("Talk to a person")
    return ["Heron Quay"]


async def deep_link(user: SandboxUser, _stale_menu: Message) -> list[str]:
    await user.send("/start repair")
    return []


async def stale_menu_button(user: SandboxUser, stale_menu: Message) -> list[str]:
    await user.press("Repair or installation", message_id=stale_menu["message_id"])
    return []


async def text_with_a_phone(user: SandboxUser, _stale_menu: Message) -> list[str]:
    await user.send(f"Please call me on {PHONE} about my purifier")
    return PHONE_FORMS


async def contact(user: SandboxUser, _stale_menu: Message) -> list[str]:
    await user.send_contact(CONTACT_PHONE, first_name=NAME)
    return ["13729648051"]


async def location(user: SandboxUser, _stale_menu: Message) -> list[str]:
    await user.send_location(LATITUDE, LONGITUDE)
    return [str(LATITUDE), str(LONGITUDE)]


async def photo(user: SandboxUser, _stale_menu: Message) -> list[str]:
    sent = await user.send_photo(TINY_PNG, caption=CAPTION)
    return [CAPTION, *(size["file_id"] for size in sent["photo"])]


async def document(user: SandboxUser, _stale_menu: Message) -> list[str]:
    sent = await user.send_document(RECEIPT, b"%PDF-1.4 receipt", caption=RECEIPT_CAPTION)
    return [RECEIPT, RECEIPT_CAPTION, sent["document"]["file_id"]]


ENTRIES = {
    "Repair or installation": menu_button("Repair or installation"),
    "Return or exchange": menu_button("Return or exchange"),
    "Complaint": menu_button("Complaint"),
    "Talk to a person": talk_to_a_person,
    "deep link": deep_link,
    "stale menu button": stale_menu_button,
    "text with a phone": text_with_a_phone,
    "contact": contact,
    "location": location,
    "photo": photo,
    "document": document,
}


async def asked_for_consent(user: SandboxUser) -> None:
    await user.chat.wait_for_text(ASKED_FOR_CONSENT)
    notice = await user.chat.wait_for_bot_message()
    assert "Your privacy" in text_of(notice)
    assert [b["text"] for b in inline_buttons(notice)] == ["Accept", "Decline"]


@pytest.mark.parametrize("refused", [declined, withdrew], ids=["declined", "withdrew"])
@pytest.mark.parametrize("entry", ENTRIES.values(), ids=ENTRIES.keys())
async def test_without_consent_every_entry_asks_for_it_and_keeps_nothing(
    kefu_bot: RunningBot,
    quillon: SandboxUser,
    refused: Callable[[SandboxUser], Awaitable[Message]],
    entry: Entry,
) -> None:
    stale_menu = await refused(quillon)
    sent = await entry(quillon, stale_menu)
    await asked_for_consent(quillon)

    async with at_rest(kefu_bot) as database:
        assert await count_rows(database, "tickets") == 0
        assert await count_rows(database, "user_states", "telegram_id = :id", id=quillon.id) == 0
        assert await find_values(database.engine, [*PROFILE, *sent]) == []


async def test_after_withdrawal_a_message_is_neither_relayed_nor_kept(
    kefu_bot: RunningBot, quillon: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(quillon)
    assert "K-000001 is open" in await ask_a_person(quillon, QUESTION)
    topic = await wait_for_topic(client, "#K-000001")
    desk = client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
    await desk.wait_for_text("Heron Quay")  # the card: the topic was linked and is relayed to
    await withdraw_consent(quillon)

    await quillon.send(f"Please call me on {PHONE} about my purifier")
    await asked_for_consent(quillon)

    async with at_rest(kefu_bot) as database:
        relayed = [m for m in await desk.messages() if "4172 5386" in text_of(m)]
        assert relayed == []
        assert await find_values(database.engine, PHONE_FORMS) == []


async def test_a_declined_customer_browsing_the_faq_leaves_no_draft(
    kefu_bot: RunningBot, quillon: SandboxUser
) -> None:
    await declined(quillon)
    await quillon.press("Ask a question")
    await quillon.chat.wait_for_text("What would you like to know?")
    await quillon.send(f"{QUESTION} Call {PHONE}")
    await quillon.chat.wait_for_bot_message()  # the FAQ's suggestions, or none

    async with at_rest(kefu_bot) as database:
        assert await count_rows(database, "user_states", "telegram_id = :id", id=quillon.id) == 0
        assert await find_values(database.engine, [*PROFILE, "Heron Quay", *PHONE_FORMS]) == []
