"""One consent gate in front of every path that keeps or relays anything personal.

A customer who has not answered the privacy notice yet, who declined it, or who withdrew their
consent, is asked for consent at every entry point (flow entries, commands, deep links, stale
buttons, free text, contacts, locations, photos, documents), and Kefu keeps nothing of what they
sent: no ticket, no flow draft (`user_states`), and none of their values in any column
(`privacy_scan.find_values`). Before consent Kefu keeps only the Telegram id, the language and
the consent state.

The buttons of messages sent while the customer consented (an event's Register, a reminder's
pre-filled request, a survey's stars, a campaign's answers) stay in the chat after a withdrawal:
each press is answered once, and asks for consent, in the customer's language, instead of
keeping anything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from telegram import Bot

from bot.clock import ShiftedClock
from bot.i18n import Translator, language_from_telegram
from bot.services import Kefu
from domain.care import events
from domain.care.reminders import queue_due_reminders
from domain.desk import lifecycle
from domain.desk.lifecycle import TicketDraft
from domain.rules.warranty import add_months
from sandbox.chatview import Message, inline_buttons, text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import customers
from storage.campaigns import Audience
from storage.enums import TicketType
from storage.survey_models import AudienceKind
from tests.conftest import STAFF_CHAT_ID, RunningBot, accept_privacy
from tests.e2e.helpers import TINY_PNG, ask_a_person, wait_for_topic
from tests.e2e.privacy_scan import (
    at_rest,
    count_rows,
    find_values,
    press_when_shown,
    wait_for_words,
    withdraw_consent,
)
from tests.e2e.test_button_presses import assert_each_press_answered_once
from tests.e2e.test_campaigns import QUESTION as CAMPAIGN_QUESTION
from tests.e2e.test_campaigns import compose
from tests.e2e.test_surveys import after_the_delay, resolved_ticket

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


# --- three customers without consent ------------------------------------------------------------
# Each returns a main menu the customer was shown before refusing (a stale one), or, for one who
# never answered the notice, before any consent.


async def undecided(user: SandboxUser) -> Message:
    await user.send("/menu")
    return await user.chat.wait_for_text("How can we help you?")


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


async def ask_our_team(user: SandboxUser) -> list[str]:
    """In the FAQ (open to everyone): a question, then "Talk to a person", which opens a ticket."""
    await user.chat.wait_for_text("What would you like to know?")
    await user.send(QUESTION)
    await user.chat.wait_for_bot_message()  # the FAQ's suggestions, or none
    await user.press("Talk to a person")
    return ["Heron Quay"]


async def talk_to_a_person(user: SandboxUser, _stale_menu: Message) -> list[str]:
    await user.send("/menu")
    await user.chat.wait_for_text("How can we help you?")
    await user.press("Ask a question")
    return await ask_our_team(user)


def deep_link(payload: str) -> Entry:
    """`t.me/<bot>?start=<payload>`, as Telegram delivers it (`Flow.entry_points`)."""

    async def follow(user: SandboxUser, _stale_menu: Message) -> list[str]:
        await user.send(f"/start {payload}")
        return []

    return follow


async def faq_deep_link(user: SandboxUser, _stale_menu: Message) -> list[str]:
    await user.send("/start question")
    return await ask_our_team(user)


async def profile(user: SandboxUser, _stale_menu: Message) -> list[str]:
    await user.send("/profile")
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
    # Every deep link a flow accepts (grep `entry_points(`): repair, return, complaint, question.
    "deep link repair": deep_link("repair"),
    "deep link return": deep_link("return"),
    "deep link complaint": deep_link("complaint"),
    "deep link question": faq_deep_link,
    "/profile": profile,
    "stale menu button": stale_menu_button,
    "text with a phone": text_with_a_phone,
    "contact": contact,
    "location": location,
    "photo": photo,
    "document": document,
}


async def asked_for_consent(user: SandboxUser, t: Translator | None = None) -> None:
    """Why we ask, then the notice with Accept and Decline: in the customer's language (`t`),
    English by default."""

    def words(english: str) -> str:
        return t.t(english) if t is not None else english

    await user.chat.wait_for_text(words(ASKED_FOR_CONSENT))
    notice = await user.chat.wait_for_bot_message()
    assert words("Your privacy") in text_of(notice)
    assert [b["text"] for b in inline_buttons(notice)] == [words("Accept"), words("Decline")]


@pytest.mark.parametrize(
    "refused", [undecided, declined, withdrew], ids=["undecided", "declined", "withdrew"]
)
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


# --- stale buttons, pressed after a withdrawal --------------------------------------------------


@dataclass(frozen=True)
class Speaker:
    """A customer, the words of their language, and the values that identify them."""

    user: SandboxUser
    t: Translator
    profile: list[str]


SPEAKERS = {
    "en": (4711, NAME, SURNAME, USERNAME),
    "zh-hans": (4712, "霁川", "柏", "bo_jichuan_q58"),
}
COMMENT = "The Heron Quay technician left mud on the rug"
SERIAL = "AP-600-9184"


@pytest.fixture(params=list(SPEAKERS), ids=["en", "zh_Hans"])
async def speaker(request: pytest.FixtureRequest, client: SandboxClient, kefu: Kefu) -> Speaker:
    language = request.param
    telegram_id, first_name, last_name, username = SPEAKERS[language]
    user = await client.create_user(
        telegram_id, first_name, username=username, last_name=last_name, language_code=language
    )
    t = kefu.catalogs.for_language(language_from_telegram(language))
    return Speaker(user, t, [first_name, last_name, username])


async def offering(user: SandboxUser, label: str) -> Message:
    """The bot message that offers the button `label`, once it has come."""

    def offers(message: Message) -> bool:
        return any(button["text"] == label for button in inline_buttons(message))

    messages = await user.chat.wait_until(lambda messages: any(map(offers, messages)))
    return next(m for m in reversed(messages) if offers(m))


async def withdraw(speaker: Speaker) -> None:
    """`/privacy`, "Withdraw consent", confirmed, in the customer's language."""
    user, t = speaker.user, speaker.t
    await user.send("/privacy")
    await press_when_shown(user, t.t("Withdraw consent"))
    await press_when_shown(user, t.t("Withdraw and erase"))
    await wait_for_words(user.chat, t.t("We have erased your personal data."))


async def press_stale(speaker: Speaker, label: str, message: Message) -> None:
    """Presses `label` on an old message; the press is answered, and consent asked for."""
    answered = await speaker.user.press(label, message_id=message["message_id"])
    assert answered is not None  # the spinner stopped
    await asked_for_consent(speaker.user, speaker.t)


async def test_an_old_event_register_button_asks_for_consent_and_registers_nobody(
    kefu_bot: RunningBot,
    kefu: Kefu,
    client: SandboxClient,
    admin: SandboxUser,
    speaker: Speaker,
) -> None:
    await accept_privacy(speaker.user)
    await events.announce(
        kefu,
        title={"en": "Filter care class"},
        text={"en": "Learn to change the filters of your purifier yourself."},
        starts_at=kefu.clock.now() + timedelta(days=2),
        place="AquaPure shop, 88 Nanjing Road",
        capacity=5,
        audience=Audience(AudienceKind.ALL),
        created_by=admin.id,
    )
    register = speaker.t.t("Register")
    announcement = await offering(speaker.user, register)
    await withdraw(speaker)

    await press_stale(speaker, register, announcement)

    await assert_each_press_answered_once(client)
    async with at_rest(kefu_bot) as database:
        assert await count_rows(database, "event_registrations", "cancelled_at IS NULL") == 0
        assert await find_values(database.engine, speaker.profile) == []


async def a_purifier_bought(kefu: Kefu, user: SandboxUser, purchased_on: date) -> None:
    """A request naming the purifier, its number and its purchase date: what reminders need."""
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, user.id)
        assert customer is not None
    draft = TicketDraft(
        type=TicketType.REPAIR,
        product_id="ro-purifier-600",  # a filter change every 6 months
        serial_number=SERIAL,
        purchase_date=purchased_on,
        description="It hums.",
    )
    await lifecycle.create(kefu, customer.id, draft)


async def test_an_old_reminder_button_asks_for_consent_and_opens_no_request(
    kefu_bot: RunningBot,
    kefu: Kefu,
    client: SandboxClient,
    clock: ShiftedClock,
    speaker: Speaker,
) -> None:
    await accept_privacy(speaker.user)
    today = kefu.clock.now().astimezone(kefu.timezone).date()
    purchased = add_months(today, -6) + timedelta(days=10)
    await a_purifier_bought(kefu, speaker.user, purchased)
    # Noon of the day the filter change is first reminded of ([care] maintenance_reminder_days)
    reminded = add_months(purchased, 6) - timedelta(days=7)
    clock.advance(datetime.combine(reminded, time(12), kefu.timezone) - clock.now())
    assert await queue_due_reminders(kefu) == 1
    book = speaker.t.t("Book maintenance")
    reminder = await offering(speaker.user, book)
    await withdraw(speaker)

    await press_stale(speaker, book, reminder)

    await assert_each_press_answered_once(client)
    async with at_rest(kefu_bot) as database:
        assert await count_rows(database, "tickets") == 1  # the first one's anonymous record
        assert (
            await count_rows(database, "user_states", "telegram_id = :id", id=speaker.user.id) == 0
        )
        assert await find_values(database.engine, [*speaker.profile, SERIAL]) == []


async def comment_after_withdrawal(
    speaker: Speaker, question: Message, label: str, invitation: str, *, rated_before: bool
) -> None:
    """The customer answers `question` with `label` (before or after withdrawing), then types a
    comment after the withdrawal: they are asked for consent instead of thanked for it."""
    user, t = speaker.user, speaker.t
    if rated_before:
        await user.press(label, message_id=question["message_id"])
        await user.chat.wait_for_text(invitation)
        await withdraw(speaker)
    else:
        await withdraw(speaker)
        # The score is anonymous and kept; one chat's updates are handled in order, so the
        # comment below comes after this press is handled.
        answered = await user.press(label, message_id=question["message_id"])
        assert answered is not None and answered["text"] == t.t("Thank you!")
    await user.send(COMMENT)
    await asked_for_consent(user, t)
    said = [text_of(m) for m in await user.chat.messages() if m["from"].get("is_bot")]
    assert t.t("Thank you for your feedback!") not in said


RATED = pytest.mark.parametrize(
    "rated_before", [True, False], ids=["rated-then-withdrew", "withdrew-then-rated"]
)


@RATED
async def test_a_survey_comment_typed_after_withdrawal_asks_for_consent_and_is_not_kept(
    kefu_bot: RunningBot,
    kefu: Kefu,
    client: SandboxClient,
    desk_bot: Bot,
    clock: ShiftedClock,
    speaker: Speaker,
    rated_before: bool,
) -> None:
    await accept_privacy(speaker.user)
    await resolved_ticket(kefu, desk_bot, speaker.user)
    await after_the_delay(kefu, clock, desk_bot)
    question = await offering(speaker.user, "4 ★")
    invitation = speaker.t.t(
        "Thank you for your rating! If you like, tell us more about it: just type it here."
    )

    await comment_after_withdrawal(speaker, question, "4 ★", invitation, rated_before=rated_before)

    await assert_each_press_answered_once(client)
    async with at_rest(kefu_bot) as database:
        assert await count_rows(database, "ticket_surveys", "comment IS NOT NULL") == 0
        assert await find_values(database.engine, [*speaker.profile, COMMENT]) == []


@RATED
async def test_a_campaign_comment_typed_after_withdrawal_asks_for_consent_and_is_not_kept(
    kefu_bot: RunningBot,
    client: SandboxClient,
    admin: SandboxUser,
    speaker: Speaker,
    rated_before: bool,
) -> None:
    await accept_privacy(speaker.user)
    await compose(admin, kind="Net Promoter Score (0–10)", text=CAMPAIGN_QUESTION)
    question = await offering(speaker.user, "9")
    invitation = speaker.t.t(
        "Thank you! What is the main reason for your score? Just type it here."
    )

    await comment_after_withdrawal(speaker, question, "9", invitation, rated_before=rated_before)

    await assert_each_press_answered_once(client)
    async with at_rest(kefu_bot) as database:
        assert await count_rows(database, "campaign_recipients", "comment IS NOT NULL") == 0
        assert await find_values(database.engine, [*speaker.profile, COMMENT]) == []
