"""The service record a customer receives when their ticket is resolved, end to end: what was
asked for, what was done, when, by whom, charges and warranty; its PDF; the staff's copy; and
the compliance metric that counts it.

The staff chat speaks English; each customer reads their record in their own language. New
sentences are looked up through the catalogs (`zh("...")`), so the Chinese tests hold before
and after the translators' pass; sentences translated already are written out in Chinese.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from telegram import Bot

from bot.i18n import Catalogs
from bot.services import Kefu
from domain.care.buttons import RecordButton
from domain.care.charges import parse_amount, parse_charge
from domain.desk import lifecycle
from domain.desk.buttons import DeskButton
from domain.reports.metrics import METRICS, Scope
from domain.reports.periods import Period
from sandbox.chatview import ChatView, Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from storage import customers, erasure, tickets
from storage.enums import EventKind, Language, TicketStatus, TicketType, Warranty
from storage.events import Actor
from tests.conftest import STAFF_CHAT_ID, TOKEN, RunningBot, accept_privacy
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

pytestmark = pytest.mark.both_databases

NOTE = "Replaced the heating element."
ZH_NOTE = "更换了加热元件，已测试正常。"
CATALOGS = Catalogs()


def zh(message: str, **values: object) -> str:
    """A sentence of a template (`%(name)s` placeholders) in Simplified Chinese."""
    return CATALOGS.for_language("zh_Hans").t(message) % values


def shown_time(language: str, moment: datetime) -> str:
    return CATALOGS.for_language(language).format_time(moment, BUSINESS_ZONE)


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


def in_topic(topic: ChatView) -> dict[str, int]:
    return {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}  # type: ignore[dict-item]


async def record_message(customer: SandboxUser, number: str, heading: str) -> Message:
    """The customer's record of `number`, after the message that says it is resolved."""
    return await customer.chat.wait_for_text(heading.format(number=number))


EN_HEADING = "Service record of #{number}"
ZH_HEADING = "#{number} 的服务记录"


async def records_in(customer: SandboxUser, number: str, heading: str) -> list[Message]:
    return [
        m for m in await customer.chat.messages() if heading.format(number=number) in text_of(m)
    ]


# --- what the record says ----------------------------------------------------------------------


async def test_a_resolve_with_a_note_sends_the_customer_their_service_record(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await staff_member.send("We will send a technician tomorrow.", **in_topic(topic))
    await alice.chat.wait_for_text("We will send a technician")

    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))

    await alice.chat.wait_for_text(f"Your ticket {number} has been resolved")
    record = await record_message(alice, number, EN_HEADING)
    ticket, history = await ticket_state(kefu, number)
    resolved = next(e for e in history if e.data.get("to") == TicketStatus.RESOLVED)
    assert ticket.first_response_at is not None
    text = record["text"]
    for fact in (
        "Repair · ZeroG M8 massage chair",
        "Order or serial number: M8-2024-0042",
        "Warranty: In warranty",
        "The screen stays black.",
        f"What we did\n{NOTE}",
        f"Opened {shown_time('en', ticket.created_at)}",
        f"First answered {shown_time('en', ticket.first_response_at)}",
        f"Resolved {shown_time('en', resolved.created_at)}",
        "Handled by: Li Wei",
    ):
        assert fact in text, (fact, text)
    assert "Parts and charges" not in text
    assert buttons(record) == ["Download PDF"]

    # The staff's copy follows the record's event.
    copy = await topic.wait_for_text("Service record sent to the customer:")
    assert f"Service record of #{number}" in copy["text"] and NOTE in copy["text"]
    await topic.wait_for_text("Resolved by Li Wei. The customer has been told")
    _, history = await ticket_state(kefu, number)
    sent = [e for e in history if e.kind == EventKind.SERVICE_RECORD]
    assert [e.data for e in sent] == [{"message_id": record["message_id"]}]


async def test_a_chinese_customer_reads_the_record_in_chinese_and_staff_in_english(
    kefu: Kefu, desk_bot: Bot, wang: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy_zh(wang)
    number = await open_ticket(kefu, desk_bot, wang, language=Language.ZH_HANS)
    topic = await topic_of(client, number)

    await staff_member.send(f"/resolve {ZH_NOTE}", **in_topic(topic))

    text = (await record_message(wang, number, ZH_HEADING))["text"]
    ticket, history = await ticket_state(kefu, number)
    resolved = next(e for e in history if e.data.get("to") == TicketStatus.RESOLVED)
    for fact in (
        "维修 · ZeroG M8 零重力按摩椅",
        "订单号或序列号：M8-2024-0042",
        "保修：在保修期内",
        f"{zh('What we did')}\n{ZH_NOTE}",
        f"创建于 {shown_time('zh_Hans', ticket.created_at)}",
        zh("Resolved %(time)s", time=shown_time("zh_Hans", resolved.created_at)),
        zh("Handled by: %(names)s", names="Li Wei"),
    ):
        assert fact in text, (fact, text)
    assert "Repair" not in text and "Warranty" not in text  # no English left in the facts
    copy = (await topic.wait_for_text("Service record sent to the customer:"))["text"]
    assert "Repair · ZeroG M8 massage chair" in copy and ZH_NOTE in copy


async def test_charges_are_quoted_outside_the_warranty_and_free_inside(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    quoted = await open_ticket(
        kefu, desk_bot, alice, language=Language.EN, warranty=Warranty.OUT_OF_WARRANTY
    )
    free = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    quoted_topic, free_topic = await topic_of(client, quoted), await topic_of(client, free)

    await staff_member.send("/charge 120 filter set", **in_topic(quoted_topic))
    said = await quoted_topic.wait_for_text("Charge recorded: filter set, 120.00 CNY.")
    assert "quotes this amount" in said["text"]
    await staff_member.send("/charge 35.5 labour", **in_topic(quoted_topic))
    await quoted_topic.wait_for_text("Charge recorded: labour, 35.50 CNY.")
    await staff_member.send("/charge 120 filter set", **in_topic(free_topic))
    said = await free_topic.wait_for_text("Charge recorded: filter set, 120.00 CNY.")
    assert "shows it as free" in said["text"]

    await staff_member.send("/resolve Replaced the filters.", **in_topic(quoted_topic))
    text = (await record_message(alice, quoted, EN_HEADING))["text"]
    assert "Parts and charges\n• filter set: 120.00 CNY\n• labour: 35.50 CNY" in text
    assert "Total: 155.50 CNY" in text
    assert "Warranty: Out of warranty" in text
    await staff_member.send("/resolve Replaced the filters.", **in_topic(free_topic))
    text = (await record_message(alice, free, EN_HEADING))["text"]
    assert "• filter set: free (in warranty)" in text
    assert "120.00" not in text and "Total" not in text

    _, history = await ticket_state(kefu, free)
    charge = next(e for e in history if e.kind == EventKind.CHARGE)
    assert (charge.text, charge.data, charge.actor_name) == (
        "filter set",
        {"amount": "120.00", "currency": "CNY", "free": True},
        "Li Wei",
    )


async def test_a_bad_charge_is_refused_saying_what_is_accepted(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    for typed in ("/charge abc", "/charge", "/charge 0 check", "/charge 12.345 filter"):
        await staff_member.send(typed, **in_topic(topic))
        refusal = await topic.wait_for_text("Usage: /charge")
        assert "a number above 0 with at most two decimals, up to 1000000 CNY" in refusal["text"]
    _, history = await ticket_state(kefu, number)
    assert not [e for e in history if e.kind == EventKind.CHARGE]

    await staff_member.send("/resolve", **in_topic(topic))
    await topic.wait_for_text("Resolved by Li Wei")
    await staff_member.send("/charge 10 late part", **in_topic(topic))
    await topic.wait_for_text("This ticket is not open: charges go on its service record")


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("120", Decimal("120.00")),
        ("35.5", Decimal("35.50")),
        ("0.01", Decimal("0.01")),
        ("1000000", Decimal("1000000.00")),
        ("0", None),
        ("-5", None),
        ("+5", None),
        ("12.345", None),
        ("1e3", None),
        ("1,000", None),
        ("NaN", None),
        ("1000000.01", None),
        ("１２０", None),  # full-width digits: the refusal says what to type
        ("", None),
    ],
)
def test_amounts_are_positive_with_at_most_two_decimals(
    typed: str, amount: Decimal | None
) -> None:
    assert parse_amount(typed) == amount


def test_a_charge_needs_what_it_is_for() -> None:
    assert parse_charge("120   filter\nset ") == parse_charge("120 filter set")
    assert parse_charge("120") is None
    assert parse_charge("120 " + "x" * 101) is None


# --- the card's Resolve asks what was done -----------------------------------------------------


async def resolution_prompt(staff: SandboxUser, topic: ChatView, card: Message) -> Message:
    await staff.press("Resolve", message_id=card["message_id"], **in_topic(topic))
    return await topic.wait_for_text("What was done? Reply to this message")


async def test_a_reply_to_the_resolve_prompt_resolves_with_it_as_the_note(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    card = await topic.wait_for_text(f"#{number}")

    prompt = await resolution_prompt(staff_member, topic, card)
    assert buttons(prompt) == ["Resolve without a note"]
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.status == TicketStatus.OPEN  # nothing resolved yet

    await staff_member.send(NOTE, reply_to=prompt, **in_topic(topic))

    await topic.wait_for_text("Resolved by Li Wei. The customer has been told")
    text = (await record_message(alice, number, EN_HEADING))["text"]
    assert f"What we did\n{NOTE}" in text
    ticket, history = await ticket_state(kefu, number)
    resolved = next(e for e in history if e.data.get("to") == TicketStatus.RESOLVED)
    assert (ticket.status, resolved.text, resolved.actor_name) == (
        TicketStatus.RESOLVED,
        NOTE,
        "Li Wei",
    )
    # The note went into the record, not to the customer as a reply of its own.
    assert not [e for e in history if e.kind == EventKind.STAFF_REPLY]
    assert [m for m in await alice.chat.messages() if text_of(m).startswith(NOTE)] == []
    done = await topic.wait_for_edit(prompt["message_id"], "What was done?")
    assert buttons(done) == []
    edited = await topic.wait_for_edit(card["message_id"], "Status: Resolved")
    assert buttons(edited) == ["Reopen", "Close"]
    await assert_each_press_answered_once(client)


async def test_resolve_without_a_note_sends_a_record_without_one(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    card = await topic.wait_for_text(f"#{number}")
    prompt = await resolution_prompt(staff_member, topic, card)

    answer = await staff_member.press(
        "Resolve without a note", message_id=prompt["message_id"], **in_topic(topic)
    )

    assert answer is not None and not answer.get("text")
    await topic.wait_for_text("Resolved by Li Wei. The customer has been told")
    text = (await record_message(alice, number, EN_HEADING))["text"]
    assert "What we did" not in text and "Handled by: Li Wei" in text
    ticket, _ = await ticket_state(kefu, number)
    assert ticket.status == TicketStatus.RESOLVED
    await topic.wait_for_edit(card["message_id"], "Status: Resolved")
    await assert_each_press_answered_once(client)


async def test_a_record_without_a_purchase_date_says_why_no_reminder_will_come(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    # A complaint about the purifier names no purchase date: its warranty's end is unknown.
    number = await open_ticket(
        kefu,
        desk_bot,
        alice,
        language=Language.EN,
        type=TicketType.COMPLAINT,
        product_id="ro-purifier-600",
        purchase_date=None,
    )
    topic = await topic_of(client, number)
    await topic.wait_for_text(f"#{number}")
    await staff_member.send("/resolve Replaced the tap.", **in_topic(topic))
    text = (await record_message(alice, number, EN_HEADING))["text"]
    assert (
        "We have no purchase date for this product, so we cannot remind you before its "
        "warranty ends or its maintenance is due." in text
    )


async def test_an_old_or_forged_prompt_press_is_no_longer_valid_and_answered_once(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    first = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    second = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, first)
    card = await topic.wait_for_text(f"#{first}")
    prompt = await resolution_prompt(staff_member, topic, card)
    other, _ = await ticket_state(kefu, second)

    # Another ticket's id on this prompt, and the prompt's action on the card itself.
    for data, where in (
        (DeskButton("nonote", other.id).encode(), prompt),
        (DeskButton("nonote", other.id - 1).encode(), card),
    ):
        answer = await staff_member.press_forged(
            data, message_id=where["message_id"], **in_topic(topic)
        )
        assert answer is not None and answer["text"] == "This button is no longer valid."
    for number in (first, second):
        assert (await ticket_state(kefu, number))[0].status == TicketStatus.OPEN

    # Resolved meanwhile: the prompt's own button is old now.
    await staff_member.send("/resolve", **in_topic(topic))
    await topic.wait_for_text("Resolved by Li Wei")
    answer = await staff_member.press(
        "Resolve without a note", message_id=prompt["message_id"], **in_topic(topic)
    )
    assert answer is not None and answer["text"] == "This button is no longer valid."
    await topic.wait_for_edit(prompt["message_id"], "What was done?")
    _, history = await ticket_state(kefu, first)
    assert len([e for e in history if e.data.get("to") == TicketStatus.RESOLVED]) == 1
    await assert_each_press_answered_once(client)


# --- the PDF -----------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The PDF's text without white space: fpdf2 places glyphs one by one, and pypdf reads
    the gaps as spaces (and NULs)."""
    reader = PdfReader(io.BytesIO(data))
    return squeezed("".join(page.extract_text() for page in reader.pages))


def squeezed(text: str) -> str:
    return "".join(text.replace("\x00", "").split())


async def test_download_pdf_sends_the_same_record_with_chinese_text(
    kefu: Kefu, desk_bot: Bot, wang: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy_zh(wang)
    number = await open_ticket(kefu, desk_bot, wang, language=Language.ZH_HANS)
    topic = await topic_of(client, number)
    await staff_member.send("/charge 120 滤芯", **in_topic(topic))
    await topic.wait_for_text("Charge recorded")
    await staff_member.send(f"/resolve {ZH_NOTE}", **in_topic(topic))
    record = await record_message(wang, number, ZH_HEADING)

    download = CATALOGS.for_language("zh_Hans").t("Download PDF")
    answer = await wang.press(download, message_id=record["message_id"])

    assert answer is not None and not answer.get("text")
    sent = await wang.chat.wait_until(lambda messages: any("document" in m for m in messages))
    document = next(m for m in sent if "document" in m)["document"]
    assert document["file_name"] == f"service-record-{number}.pdf"
    data = await client.file(document["file_id"])
    assert data.startswith(b"%PDF")
    assert b"NotoSansCJK" in data  # the CJK font is embedded
    text = pdf_text(data)
    for fact in (ZH_NOTE, f"#{number}的服务记录", "ZeroGM8零重力按摩椅", "滤芯", "在保修期内"):
        assert squeezed(fact) in text, (fact, text)
    assert squeezed(record["text"].replace("•", "")) == text.replace("•", "")
    await assert_each_press_answered_once(client)


async def test_a_pdf_press_by_someone_else_is_refused(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    mallory: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))
    await record_message(alice, number, EN_HEADING)
    ticket, _ = await ticket_state(kefu, number)
    await accept_privacy(mallory)

    for data in (RecordButton(ticket.id).encode(), "rec:pdf:x", "rec:pdf:99999999999"):
        answer = await mallory.press_forged(data)
        assert answer is not None and answer["text"] == "This button is no longer valid."
    assert not [m for m in await mallory.chat.messages() if "document" in m]
    await assert_each_press_answered_once(client)


@pytest.mark.parametrize(
    "data", ["rec:pdf", "rec:pdf:", "rec:pdf:-1", "rec:csv:1", "rec:pdf:1:2", "desk:pdf:1", None]
)
def test_malformed_record_buttons_are_rejected(data: str | None) -> None:
    assert RecordButton.parse(data) is None


def test_record_buttons_read_back_what_they_wrote() -> None:
    assert RecordButton.parse(RecordButton(12).encode()) == RecordButton(12)


# --- who, how often, and for whom ---------------------------------------------------------------


async def test_a_team_signature_shows_support_team_instead_of_names(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    support = kefu.config.support.model_copy(update={"reply_signature": "team"})
    kefu.config = kefu.config.model_copy(update={"support": support})
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await staff_member.send("We are on it.", **in_topic(topic))
    await alice.chat.wait_for_text("— Support team")

    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))

    text = (await record_message(alice, number, EN_HEADING))["text"]
    assert "Handled by: Support team" in text
    assert "Li Wei" not in text


async def test_the_record_goes_out_once_however_often_the_resolve_is_handled(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))
    await record_message(alice, number, EN_HEADING)
    await topic.wait_for_text("Resolved by Li Wei")

    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))
    await topic.wait_for_text("This ticket is not open, so there is nothing to resolve.")
    ticket, _ = await ticket_state(kefu, number)
    assert await lifecycle.resolve(desk_bot, kefu, ticket.id, Actor.system(), NOTE) == (
        lifecycle.Outcome(changed=False)
    )

    assert len(await records_in(alice, number, EN_HEADING)) == 1
    _, history = await ticket_state(kefu, number)
    assert len([e for e in history if e.kind == EventKind.SERVICE_RECORD]) == 1
    copies = [m for m in await topic.messages() if "Service record sent" in text_of(m)]
    assert len(copies) == 1


async def test_a_resolve_replayed_after_a_crash_sends_the_missing_record(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    """The first handling committed the resolution and died before the record went out: the
    update, handled again, finds the ticket resolved and sends the record it lacks."""
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None
        await tickets.set_status(
            session,
            ticket,
            TicketStatus.RESOLVED,
            actor=Actor.staff(2001, "Li Wei"),
            now=kefu.clock.now(),
            text=NOTE,
        )

    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))

    await topic.wait_for_text("This ticket is not open")
    text = (await record_message(alice, number, EN_HEADING))["text"]
    assert NOTE in text
    assert len(await records_in(alice, number, EN_HEADING)) == 1


async def test_a_reopened_and_resolved_ticket_gets_a_record_for_each_resolution(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await staff_member.send("/resolve Tightened the screws.", **in_topic(topic))
    await record_message(alice, number, EN_HEADING)
    await staff_member.send("/reopen", **in_topic(topic))
    await topic.wait_for_text("Reopened by Li Wei")

    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))

    second = (await record_message(alice, number, EN_HEADING))["text"]
    assert NOTE in second and "Tightened" not in second
    assert len(await records_in(alice, number, EN_HEADING)) == 2


async def test_no_record_after_the_customer_withdrew_consent(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    earlier = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    earlier_topic = await topic_of(client, earlier)
    await staff_member.send(f"/resolve {NOTE}", **in_topic(earlier_topic))
    old_record = await record_message(alice, earlier, EN_HEADING)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)

    await withdraw_consent(alice)  # erases them, and closes their tickets
    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))

    await topic.wait_for_text("This ticket is not open")
    assert await records_in(alice, number, EN_HEADING) == []
    answer = await alice.press("Download PDF", message_id=old_record["message_id"])
    assert answer is not None
    assert answer["text"] == (
        "This service record is no longer available: its personal data was erased."
    )
    assert not [m for m in await alice.chat.messages() if "document" in m]
    await assert_each_press_answered_once(client)


async def test_no_record_when_an_erasure_lands_between_the_resolution_and_the_record(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    """The resolution committed, then the customer's erasure (which closes open tickets, but
    this one was resolved already by then), then the resolve is handled again: no record."""
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None
        await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=Actor.staff(2001, "Li Wei"), now=now
        )
        await erasure.erase_customer(session, ticket.customer, by="customer", now=now)
        await customers.record_decline(session, ticket.customer, now=now)

    await staff_member.send(f"/resolve {NOTE}", **in_topic(topic))

    await topic.wait_for_text("This ticket is not open")
    assert await records_in(alice, number, EN_HEADING) == []
    _, history = await ticket_state(kefu, number)
    assert not [e for e in history if e.kind == EventKind.SERVICE_RECORD]
    assert not [m for m in await topic.messages() if "Service record sent" in text_of(m)]


# --- the compliance metric ----------------------------------------------------------------------


async def test_service_records_delivered_is_the_share_of_resolved_tickets_sent_one(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, staff_member: SandboxUser, client: SandboxClient
) -> None:
    import domain.care.record_metrics  # noqa: F401  (registers the metric, as compliance will)

    await accept_privacy(alice)
    sent = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    blocked = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    await open_ticket(kefu, desk_bot, alice, language=Language.EN)  # never resolved
    sent_topic, blocked_topic = await topic_of(client, sent), await topic_of(client, blocked)
    await staff_member.send(f"/resolve {NOTE}", **in_topic(sent_topic))
    await record_message(alice, sent, EN_HEADING)
    # The blocked one had a record for its first resolution, not for the one that counts.
    await staff_member.send("/resolve Tightened the screws.", **in_topic(blocked_topic))
    await record_message(alice, blocked, EN_HEADING)
    await staff_member.send("/reopen", **in_topic(blocked_topic))
    await blocked_topic.wait_for_text("Reopened by Li Wei")
    await alice.block()
    await staff_member.send(f"/resolve {NOTE}", **in_topic(blocked_topic))
    await blocked_topic.wait_for_text("the customer could not be told")

    metric = METRICS["service_records_delivered"]
    metric.check({}, 1.0)
    with pytest.raises(ValueError, match="unknown params"):
        metric.check({"types": ["repair"]}, 1.0)
    today = kefu.clock.now().astimezone(BUSINESS_ZONE).date()
    async with kefu.db.read_only() as session:
        scope = Scope(
            session,
            Period("range", today, today, BUSINESS_ZONE),
            kefu.clock.now(),
            kefu.calendar,
        )
        measured = await metric.measure(scope, {}, 1.0)
        tomorrow = Period("range", *(2 * [today + timedelta(days=1)]), BUSINESS_ZONE)
        later = await metric.measure(
            Scope(session, tomorrow, kefu.clock.now(), kefu.calendar), {}, 1.0
        )
    assert (measured.part, measured.whole, measured.value) == (1, 2, 0.5)
    assert (measured.met, measured.offenders) == (False, (blocked,))
    assert (later.value, later.met) == (None, None)
