"""Erasure leaves nothing behind: one customer is served in every way Kefu serves (staff decide
their return with a note, too), then their data goes by `/forget`, by withdrawing consent (each
with an update of theirs still waiting in the inbox), or once the retention period has passed.

Afterwards a scan of every column of every table (`privacy_scan.find_values`) finds none of the
distinctive values they gave, while the anonymous record (tickets with their type, product,
statuses and scores) stays, and the staff topics say the ticket was erased.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.clock import ShiftedClock
from bot.config import DEFAULT_CONFIG, Settings
from bot.services import Kefu
from domain.privacy import retention
from domain.surveys import csat
from sandbox.chatview import ChatView, Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from storage import inbox
from storage.db import Database
from storage.enums import TicketStatus, TicketType
from storage.models import Ticket
from storage.survey_models import CampaignRecipient, TicketSurvey
from tests.conftest import STAFF_CHAT_ID, TOKEN, RunningBot, accept_privacy
from tests.e2e.helpers import (
    TINY_PNG,
    ask_a_person,
    bought_with_warranty_ending,
    business_today,
    wait_for_topic,
)
from tests.e2e.privacy_scan import (
    Hit,
    at_rest,
    count_rows,
    find_values,
    forget_me,
    withdraw_consent,
)
from tests.e2e.test_campaigns import QUESTION as CAMPAIGN_QUESTION
from tests.e2e.test_campaigns import compose

pytestmark = pytest.mark.both_databases

RETENTION_DAYS = 30

# Each value is given once, in one place, so a survivor tells which path kept it.
NAME, SURNAME, USERNAME = "Quillon", "Marrowby", "quillon_zq77"
SERIAL = "SN-ZQ-77341"
ADDRESS = "88 Wisteria Lane 7F"
PROBLEM = "the blue valve hums at midnight"
PHONE = "+86 139 4172 5386"  # written in a follow-up
CONTACT_PHONE = "+8613729648051"  # shared as a contact
LATITUDE, LONGITUDE = 31.274619, 121.583927
CAPTION = "the copper hinge squeaks twice"
RECEIPT, RECEIPT_CAPTION = "quillon-receipt-77341.pdf", "receipt for the heron filter"
ORDER = "JD-QZ-550913"
COMPLAINT = "the courier left it under a violet umbrella"
QUESTION = "Is the lilac descaler safe for brass pipes?"
NEIGHBOUR = "My neighbour Ottoline (欧托琳) keeps the spare key."
STAFF_REPLY = f"Hello {NAME}, our technician will ring at {ADDRESS} on Tuesday."
STAFF_NOTE = f"{NAME} prefers the juniper side gate"
DRAFT_SERIAL = "SN-ZQ-DRAFT-90417"  # typed into a request still being filled in
SURVEY_COMMENT = "the kettle smelled of cardamom afterwards"
CAMPAIGN_COMMENT = "the orchid filter outlasted my landlord"
PROFILE_NAME = "Marisol Q."  # the name they asked to be called by (/profile)
PROFILE_ADDRESS = "7 Larkspur Mews, Hangzhou"
PROFILE_SERIAL = "SN-PROFILE-55120"  # a product added in /profile
CUSTOMER_TAG = "heronwatch"
CUSTOMER_NOTE = "collects juniper-green kettles"
# Staff's note on their return decision, sent to the customer and kept in the ticket's details
# and in the detail change's event.
DECISION_NOTE = f"an exception for {NAME}: the saffron crate came dented"
PENDING_TEXT = "the tangerine boiler ticks at dawn"  # in an update still waiting in the inbox

DISTINCTIVE = [
    NAME,
    SURNAME,
    USERNAME,
    SERIAL,
    "Wisteria Lane",
    PROBLEM,
    "139 4172 5386",
    "13941725386",  # the same phone, however it was normalised
    "13729648051",
    str(LATITUDE),
    str(LONGITUDE),
    CAPTION,
    RECEIPT,
    RECEIPT_CAPTION,
    ORDER,
    COMPLAINT,
    "lilac descaler",
    "Ottoline",
    "欧托琳",
    "juniper side gate",
    DRAFT_SERIAL,
    SURVEY_COMMENT,
    CAMPAIGN_COMMENT,
    PROFILE_NAME,
    "Larkspur Mews",
    PROFILE_SERIAL,
    CUSTOMER_TAG,
    CUSTOMER_NOTE,
    "saffron crate",
    PENDING_TEXT,
]

# Where the scan must find the values before erasure: proof that it reads what Kefu wrote.
HELD_BEFORE = {
    ("customers", "first_name"),
    ("tickets", "serial_number"),
    ("tickets", "order_number"),
    ("tickets", "description"),
    ("tickets", "details"),
    ("ticket_events", "text"),
    ("ticket_events", "actor_name"),
    ("attachments", "telegram_file_id"),
    ("ticket_surveys", "comment"),
    ("campaign_recipients", "comment"),
    ("customers", "display_name"),
    ("customers", "address"),
    ("customer_products", "serial_number"),
    ("customer_tags", "tag"),
    ("customer_notes", "text"),
}

TICKETS = [
    ("K-000001", TicketType.REPAIR),
    ("K-000002", TicketType.EXCHANGE),  # a return asking for an exchange
    ("K-000003", TicketType.COMPLAINT),
    ("K-000004", TicketType.CONSULTATION),
]


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    # A business file replaces the shipped one as a whole: keep its products, FAQ and hours.
    shipped = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "retention_days = 1095" in shipped
    business = tmp_path / "kefu.toml"
    business.write_text(
        shipped.replace("retention_days = 1095", f"retention_days = {RETENTION_DAYS}"),
        encoding="utf-8",
    )
    # Flood control is not what this test is about: with it, the desk's pacing in the staff
    # group (a topic rename, a card edit and a note per ticket) takes a minute.
    return settings.model_copy(update={"config": business, "rate_limit": False})


@pytest.fixture(autouse=True)
async def no_flood_limits(client: SandboxClient) -> None:
    await client.set_limits(enabled=False)


@pytest.fixture
async def quillon(client: SandboxClient) -> SandboxUser:
    return await client.create_user(
        4711, NAME, username=USERNAME, last_name=SURNAME, language_code="en"
    )


@pytest.fixture
async def bot(sandbox: RunningSandbox) -> AsyncIterator[Bot]:
    """A handle on Kefu's bot account, to run the survey scan directly."""
    async with Bot(TOKEN, base_url=sandbox.bot_api_url, base_file_url=sandbox.file_url) as handle:
        yield handle


@dataclass
class Served:
    """What serving the customer left in the staff chat, and the file ids they sent."""

    topics: dict[str, ChatView] = field(default_factory=dict)  # by ticket number
    topic_names: dict[str, str] = field(default_factory=dict)  # as first named, by number
    cards: dict[str, int] = field(default_factory=dict)  # the card's message id, by number
    file_ids: list[str] = field(default_factory=list)

    @property
    def values(self) -> list[str]:
        return [*DISTINCTIVE, *self.file_ids]


@dataclass
class Cast:
    customer: SandboxUser
    staff: SandboxUser
    admin: SandboxUser
    client: SandboxClient
    kefu: Kefu
    clock: ShiftedClock
    bot: Bot
    served: Served = field(default_factory=Served)


# --- the customer is served in every way ---------------------------------------------------------


def files_of(message: Message) -> list[str]:
    sizes = message.get("photo") or [message["document"]]
    return [f[key] for f in sizes for key in ("file_id", "file_unique_id")]


async def desk_topic(cast: Cast, number: str) -> ChatView:
    """The ticket's topic once its card is posted; the card's id is remembered."""
    topic = await wait_for_topic(cast.client, f"#{number} ")
    view = cast.client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
    cast.served.topic_names[number] = topic["name"]

    def card_of(messages: list[Message]) -> list[Message]:
        return [m for m in messages if m["from"].get("is_bot") and f"#{number}" in text_of(m)]

    messages = await view.wait_until(lambda messages: bool(card_of(messages)))
    cast.served.topics[number], cast.served.cards[number] = (
        view,
        card_of(messages)[0]["message_id"],
    )
    return view


async def from_the_menu(user: SandboxUser, button: str) -> None:
    await user.send("/menu")
    await user.chat.wait_for_text("How can we help you?")
    await user.press(button)


async def repair_with_a_visit_and_a_photo(cast: Cast) -> None:
    user = cast.customer
    purchased = bought_with_warranty_ending(business_today(cast.clock), 24, days_after=-100)
    await from_the_menu(user, "Repair or installation")
    await user.chat.wait_for_text("What do you need?")
    await user.press("Repair")
    await user.chat.wait_for_text("Which product")
    await user.press("AquaPure 600G RO water purifier")
    await user.chat.wait_for_text("serial number")
    await user.send(SERIAL)
    await user.chat.wait_for_text("When did you buy it?")
    await user.send(purchased.isoformat())
    await user.chat.wait_for_text("describe the problem")
    await user.send(PROBLEM)
    await user.chat.wait_for_text("Send photos")
    cast.served.file_ids += files_of(await user.send_photo(TINY_PNG))
    await user.chat.wait_for_text("1 file received")
    await user.press("Done")
    await user.chat.wait_for_text("technician to visit")
    await user.press("Yes, visit me")
    await user.chat.wait_for_text("address for the visit")
    await user.send(ADDRESS)
    await user.chat.wait_for_text("time of day")
    await user.press("Afternoon (13:00–17:00)")
    await user.chat.wait_for_text("Please check your request")
    await user.press("Confirm and send")
    await user.chat.wait_for_text("Your ticket K-000001 is open")
    desk = await desk_topic(cast, "K-000001")
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": desk.thread_id}
    await cast.staff.send(STAFF_REPLY, **in_topic)
    await user.chat.wait_for_text("our technician will ring")
    await cast.staff.send(f"/note {STAFF_NOTE}", **in_topic)
    await desk.wait_for_text("Internal note saved")


async def follow_ups_of_every_kind(cast: Cast) -> None:
    """Text, a contact, a location, a photo and a document, all joining the open repair."""
    user, desk = cast.customer, cast.served.topics["K-000001"]
    await user.send(f"Please call me first: {PHONE}")
    await desk.wait_for_text("4172 5386")
    await user.send_contact(CONTACT_PHONE, first_name=NAME)
    await desk.wait_until(lambda messages: any("contact" in m for m in messages))
    await user.send_location(LATITUDE, LONGITUDE)
    await desk.wait_until(lambda messages: any("location" in m for m in messages))
    cast.served.file_ids += files_of(await user.send_photo(TINY_PNG, caption=CAPTION))
    await desk.wait_for_text(CAPTION)
    receipt = await user.send_document(RECEIPT, b"%PDF-1.4 receipt", caption=RECEIPT_CAPTION)
    cast.served.file_ids += files_of(receipt)
    await desk.wait_for_text(RECEIPT_CAPTION)


async def a_profile_and_notes_about_them(cast: Cast) -> None:
    """The customer's profile (a name, an address, a product) and staff's tag and note."""
    user, desk = cast.customer, cast.served.topics["K-000001"]
    await user.send("/profile")
    await user.chat.wait_for_text("Your profile, as Kefu holds it:")
    await user.press("Change name")
    await user.chat.wait_for_text("How should we call you?")
    await user.send(PROFILE_NAME)
    await user.chat.wait_for_text("Your profile, as Kefu holds it:")
    await user.press("Change address")
    await user.chat.wait_for_text("Please type your address")
    await user.send(PROFILE_ADDRESS)
    await user.chat.wait_for_text("Your profile, as Kefu holds it:")
    await user.press("Add a product")
    await user.chat.wait_for_text("Which product do you own?")
    await user.press("Other product")
    await user.chat.wait_for_text("serial number")
    await user.send(PROFILE_SERIAL)
    await user.chat.wait_for_text("When did you buy it?")
    await user.press("I don't know")
    await user.chat.wait_for_text("Your profile, as Kefu holds it:")
    await user.press("All correct")
    await user.chat.wait_for_text("your profile is confirmed")
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": desk.thread_id}
    await cast.staff.send(f"/tag {CUSTOMER_TAG}", **in_topic)
    await desk.wait_for_text("added to the customer")
    await cast.staff.send(f"/customernote {CUSTOMER_NOTE}", **in_topic)
    await desk.wait_for_text("Note about the customer saved")


async def a_return(cast: Cast) -> None:
    user = cast.customer
    await from_the_menu(user, "Return or exchange")
    await user.chat.wait_for_text("order number")
    await user.send(ORDER)
    await user.chat.wait_for_text("delivered")
    await user.send((business_today(cast.clock) - timedelta(days=3)).isoformat())
    await user.chat.wait_for_text("Why do you want to return it?")
    await user.press("Quality problem")
    await user.chat.wait_for_text("refund or an exchange")
    await user.press("Exchange")
    await user.chat.wait_for_text("Send photos")
    await user.press("Done")
    await user.chat.wait_for_text("Please check your request")
    await user.press("Confirm and send")
    await user.chat.wait_for_text("Your ticket K-000002 is open")
    desk = await desk_topic(cast, "K-000002")
    # Staff decide it, with a note the customer is sent: a detail change with personal words.
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": desk.thread_id}
    await cast.staff.send(f"/approve {DECISION_NOTE}", **in_topic)
    await user.chat.wait_for_text("the saffron crate came dented")
    await desk.wait_for_text("Approved by Li Wei")


async def a_complaint(cast: Cast) -> None:
    user = cast.customer
    await from_the_menu(user, "Complaint")
    await user.chat.wait_for_text("What is your complaint about?")
    await user.press("Delivery")
    await user.chat.wait_for_text("Please tell us what happened")
    await user.send(COMPLAINT)
    await user.chat.wait_for_text("Send photos")
    await user.press("Done")
    await user.chat.wait_for_text("Please check your complaint")
    await user.press("Confirm and send")
    await user.chat.wait_for_text("K-000003")
    await desk_topic(cast, "K-000003")


async def a_question_for_a_person_then_a_survey(cast: Cast) -> None:
    """The question goes to a person; a follow-up picks its ticket among several; staff answer
    and resolve it, and the satisfaction survey brings a comment."""
    user = cast.customer
    await user.send("/menu")
    await user.chat.wait_for_text("How can we help you?")
    assert "K-000004 is open" in await ask_a_person(user, QUESTION)
    desk = await desk_topic(cast, "K-000004")
    await user.send(NEIGHBOUR)
    await user.chat.wait_for_text("Which one is this about?")
    await user.press("K-000004 · Consultation")
    await user.chat.wait_for_text("Added to ticket K-000004")
    await desk.wait_for_text("Ottoline")
    in_topic = {"chat_id": STAFF_CHAT_ID, "thread_id": desk.thread_id}
    await cast.staff.send(f"{NAME}, the lilac descaler is fine for brass.", **in_topic)
    await user.chat.wait_for_text("fine for brass")
    await cast.staff.send("/resolve", **in_topic)
    await user.chat.wait_for_text("has been resolved")

    cast.clock.advance(timedelta(minutes=cast.kefu.config.surveys.csat_delay_minutes, seconds=30))
    await csat.send_due_surveys(cast.bot, cast.kefu)
    survey = await user.chat.wait_for_text("How satisfied are you")
    # By its message: the service record (its own button) may come after the survey.
    await user.press("4 ★", message_id=survey["message_id"])
    await user.chat.wait_for_text("tell us more")
    await user.send(SURVEY_COMMENT)
    await user.chat.wait_for_text("Thank you for your feedback!")


async def a_campaign_answer(cast: Cast) -> None:
    user = cast.customer
    await compose(cast.admin, kind="Net Promoter Score (0–10)", text=CAMPAIGN_QUESTION)
    await user.chat.wait_for_text(CAMPAIGN_QUESTION, timeout=30)
    await user.press("9")
    await user.chat.wait_for_text("main reason for your score")
    await user.send(CAMPAIGN_COMMENT)
    await user.chat.wait_for_text("Thank you for your feedback!")


async def serve_in_every_way(cast: Cast) -> None:
    await accept_privacy(cast.customer)
    await repair_with_a_visit_and_a_photo(cast)
    await follow_ups_of_every_kind(cast)
    await a_profile_and_notes_about_them(cast)
    await a_return(cast)
    await a_complaint(cast)
    await a_question_for_a_person_then_a_survey(cast)
    await a_campaign_answer(cast)


# --- three ways the data goes -------------------------------------------------------------------


async def a_request_being_filled_in(cast: Cast) -> None:
    """A new repair half-way, its draft saved (PTB writes it within a second)."""
    user = cast.customer
    await from_the_menu(user, "Repair or installation")
    await user.chat.wait_for_text("What do you need?")
    await user.press("Repair")
    await user.chat.wait_for_text("Which product")
    await user.press("Other product")
    await user.chat.wait_for_text("serial number")
    await user.send(DRAFT_SERIAL)
    await user.chat.wait_for_text("When did you buy it?")
    await wait_until_draft_saved(cast.kefu, user.id)


async def wait_until_draft_saved(kefu: Kefu, telegram_id: int, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while True:
            if await count_rows(kefu.db, "user_states", "telegram_id = :id", id=telegram_id):
                return
            await asyncio.sleep(0.05)  # a polling interval inside the timeout


OTHER_BOT_ID = int(TOKEN.split(":")[0]) + 1


async def an_update_left_for_a_retry(cast: Cast) -> None:
    """An update of theirs stored in the inbox and not handled yet, as a handling cut short
    leaves it for a retry. It waits for another bot account on the same database, so the
    running bot (which hands out only its own) cannot handle it first: the erasure must drop
    its payload wherever it waits."""
    user = cast.customer
    payload = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": int(cast.clock.now().timestamp()),
            "chat": {"id": user.id, "type": "private", "first_name": NAME},
            "from": {"id": user.id, "is_bot": False, "first_name": NAME, "username": USERNAME},
            "text": PENDING_TEXT,
        },
    }
    async with cast.kefu.db.unit_of_work() as session:
        stored = inbox.Incoming(1, user.id, json.dumps(payload))
        await inbox.store(session, OTHER_BOT_ID, [stored], now=cast.clock.now())
    held = await find_values(cast.kefu.db.engine, [PENDING_TEXT])
    assert held == [Hit("inbox_updates", "payload", PENDING_TEXT)]


def says_what_went(erased: Message) -> None:
    """The customer is told each kind of thing that went, counted: the products (the one added
    in /profile and the repair's, remembered for next time), staff's tag and note, and the
    update that waited for a retry among them."""
    told = text_of(erased)
    assert "your name, username and contact details" in told
    assert "2 products you told us you own" in told
    assert "2 tags and notes our team kept about you" in told
    assert "1 message of yours we had not handled yet" in told


async def by_forget(cast: Cast) -> None:
    await a_request_being_filled_in(cast)
    await an_update_left_for_a_retry(cast)
    says_what_went(await forget_me(cast.customer))


async def by_withdrawal(cast: Cast) -> None:
    await a_request_being_filled_in(cast)
    await an_update_left_for_a_retry(cast)
    says_what_went(await withdraw_consent(cast.customer))


async def by_retention(cast: Cast) -> None:
    for topic in cast.served.topics.values():
        await cast.staff.send("/close", chat_id=STAFF_CHAT_ID, thread_id=topic.thread_id)
        await topic.wait_for_text("Closed by Li Wei.")
    cast.clock.advance(timedelta(days=RETENTION_DAYS, hours=1))
    await retention.erase_expired(cast.kefu, cast.bot)


# --- what is left -------------------------------------------------------------------------------


async def topics_once_erased(cast: Cast, timeout: float = 10) -> dict[int, str]:
    """The staff chat's topic names, once every ticket's topic says "erased"."""
    client, threads = cast.client, [t.thread_id for t in cast.served.topics.values()]
    deadline = time.monotonic() + timeout
    seq = (await client.events())["seq"]
    while True:
        topics = await client.chat(STAFF_CHAT_ID).topics()
        names = {t["message_thread_id"]: t["name"] for t in topics}
        if all("erased" in names.get(thread, "") for thread in threads):
            return names
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"topics not renamed within {timeout:g} s: {list(names.values())}"
        seq = (await client.events(after=seq, timeout=min(remaining, 1)))["seq"]


def keeps_nothing(text: str) -> bool:
    return not any(value.lower() in text.lower() for value in DISTINCTIVE)


async def assert_topics_show_the_erasure(cast: Cast) -> None:
    names = await topics_once_erased(cast)
    for number, _kind in TICKETS:
        topic = cast.served.topics[number]
        # "#K-000002 · Exchange · Quillon" becomes "#K-000002 · Exchange · erased" (with ✅ at
        # the end if the ticket is resolved or closed)
        kind_shown = cast.served.topic_names[number].split(" · ")[1]
        erased = names[topic.thread_id].removesuffix(" ✅")
        assert erased == f"#{number} · {kind_shown} · erased"
        await topic.wait_for_text("erased")  # staff are told, after the moment of erasure
        card = cast.served.cards[number]
        await topic.wait_until(
            lambda messages, card=card: any(
                m["message_id"] == card and keeps_nothing(text_of(m)) for m in messages
            )
        )


async def anonymous_record(database: Database) -> list[tuple]:
    async with database.read_only() as session:
        found = await session.execute(
            select(
                Ticket.number, Ticket.type, Ticket.status, Ticket.personal_data_erased_at
            ).order_by(Ticket.number)
        )
        record = [(n, t, s, erased is not None) for n, t, s, erased in found]
        product = await session.scalar(
            select(Ticket.product_id).where(Ticket.number == "K-000001")
        )
        scores = list(await session.scalars(select(TicketSurvey.score)))
        answers = list(await session.scalars(select(CampaignRecipient.answer)))
    return [*record, ("product", product), ("survey scores", scores), ("answers", answers)]


ErasurePath = Callable[[Cast], Awaitable[None]]


@pytest.mark.parametrize(
    "erase",
    [by_forget, by_withdrawal, by_retention],
    ids=["/forget", "consent withdrawn", "retention passed"],
)
async def test_erasure_leaves_no_personal_value_in_any_column(
    kefu_bot: RunningBot,
    quillon: SandboxUser,
    staff_member: SandboxUser,
    admin: SandboxUser,
    client: SandboxClient,
    clock: ShiftedClock,
    bot: Bot,
    erase: ErasurePath,
) -> None:
    assert kefu_bot.kefu is not None
    cast = Cast(quillon, staff_member, admin, client, kefu_bot.kefu, clock, bot)
    await serve_in_every_way(cast)
    held = await find_values(kefu_bot.kefu.db.engine, cast.served.values)
    assert HELD_BEFORE - {(hit.table, hit.column) for hit in held} == set()
    decision = {(hit.table, hit.column) for hit in held if hit.value == "saffron crate"}
    assert {("tickets", "details"), ("ticket_events", "data")} <= decision
    for topic in cast.served.topics.values():
        await topic.catch_up()

    await erase(cast)

    await assert_topics_show_the_erasure(cast)
    async with at_rest(kefu_bot) as database:
        assert await find_values(database.engine, cast.served.values) == []
        assert await anonymous_record(database) == [
            *((number, kind, TicketStatus.CLOSED, True) for number, kind in TICKETS),
            ("product", "ro-purifier-600"),
            ("survey scores", [4]),
            ("answers", [9]),
        ]
