"""Customer profiles, end to end: a customer corrects their profile (a contact shared with the
button, a phone typed), a product of one request is offered and pre-filled in the next, staff
tag and note the customer and read it all with /customer, and the yearly check asks once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot

import domain.reports.compliance  # noqa: F401  (registers every metric, as the config does)
from bot.clock import ShiftedClock
from bot.services import Kefu
from domain.profiles import checks
from domain.reports.metrics import METRICS, Scope
from domain.reports.periods import Period
from sandbox.chatview import ChatView, Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from sandbox.server import RunningSandbox
from storage import customer_notes, customers, profiles, tickets
from storage.enums import Language
from tests.conftest import STAFF_CHAT_ID, TOKEN, RunningBot, accept_privacy
from tests.e2e.helpers import BUSINESS_ZONE, business_today
from tests.e2e.test_button_presses import assert_each_press_answered_once
from tests.e2e.test_mydata import download_my_data
from tests.e2e.test_staff_desk import open_ticket, topic_of


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


PURIFIER = "AquaPure 600G RO water purifier"
SERIAL = "AP-2025-7781"
SHARED_PHONE = "+15550001001"  # the sandbox's number for Alice (1001) when she shares it


async def customer_row(kefu: Kefu, telegram_id: int):  # type: ignore[no-untyped-def]
    async with kefu.db.read_only() as session:
        found = await customers.get_by_telegram(session, telegram_id)
        assert found is not None
        return found


def in_topic(topic: ChatView) -> dict[str, int]:
    return {"chat_id": STAFF_CHAT_ID, "thread_id": topic.thread_id}  # type: ignore[dict-item]


# --- the customer's own profile -----------------------------------------------------------------


@pytest.mark.usefixtures("kefu_bot")
async def test_profile_before_consent_asks_for_consent_first(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await alice.send("/profile")
    await alice.chat.wait_for_text("Please read and accept our privacy notice first")
    await alice.chat.wait_for_text("Your privacy")
    assert not [m for m in await alice.chat.messages() if "Your profile" in text_of(m)]


async def test_a_customer_corrects_their_profile_sharing_their_own_contact(
    kefu: Kefu, alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    await alice.send("/profile")
    shown = await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    assert "Name: Alice" in text_of(shown)
    assert "Phone: not given" in text_of(shown)

    await alice.press("Change name")
    await alice.chat.wait_for_text("How should we call you?")
    await alice.send("A" * 65)
    await alice.chat.wait_for_text("That is too long")
    await alice.send("  Alice   Wong ")
    await alice.chat.wait_for_text("Saved: we will call you Alice Wong.")
    await alice.chat.wait_for_text("Name: Alice Wong")

    await alice.press("Change phone")
    await alice.chat.wait_for_text("Your number:")
    await alice.send_contact("+8613900000000", first_name="Bob", own=False)
    await alice.chat.wait_for_text("That is someone else's contact")
    await alice.chat.wait_for_text("Your number:")
    await alice.send("call me maybe")
    await alice.chat.wait_for_text("That does not look like a phone number")
    await alice.chat.wait_for_text("Your number:")
    await alice.press("Share my phone number")  # the reply keyboard's request_contact key
    await alice.chat.wait_for_text(f"Saved: we will call you on {SHARED_PHONE}.")
    shown = await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    assert f"Phone: {SHARED_PHONE}" in text_of(shown)
    assert (await alice.keyboard()) in (None, {"remove_keyboard": True})

    await alice.press("Change address")
    await alice.chat.wait_for_text("Please type your address")
    await alice.send("x" * 301)
    await alice.chat.wait_for_text("That is too long")
    await alice.send("12 Garden Road, Pudong, Shanghai")
    await alice.chat.wait_for_text("Saved: your address.")
    shown = await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    assert "Address: 12 Garden Road, Pudong, Shanghai" in text_of(shown)

    # A forged "Remove" names no product of hers: refused, once, and nothing changes.
    answer = await alice.press_forged("profile:remove:4242")
    assert answer is not None and answer["text"] == "This button is no longer valid."
    await alice.chat.wait_for_text("Your profile, as Kefu holds it:")

    assert (await customer_row(kefu, alice.id)).profile_confirmed_at is None
    await alice.press("All correct")
    await alice.chat.wait_for_text("Thank you: your profile is confirmed.")
    stored = await customer_row(kefu, alice.id)
    assert (stored.display_name, stored.phone, stored.address) == (
        "Alice Wong",
        SHARED_PHONE,
        "12 Garden Road, Pudong, Shanghai",
    )
    assert stored.profile_confirmed_at is not None
    await assert_each_press_answered_once(client)


async def test_a_typed_phone_is_kept_as_typed(kefu: Kefu, alice: SandboxUser) -> None:
    await accept_privacy(alice)
    await alice.send("/profile")
    await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    await alice.press("Change phone")
    await alice.chat.wait_for_text("Your number:")
    await alice.send("12345")  # five digits: too few
    await alice.chat.wait_for_text("That does not look like a phone number")
    await alice.send("+86 139-4172 5386")
    await alice.chat.wait_for_text("Saved: we will call you on +86 139-4172 5386.")
    assert (await customer_row(kefu, alice.id)).phone == "+86 139-4172 5386"


async def test_leaving_the_phone_step_without_a_number_takes_the_phone_keyboard_away(
    kefu: Kefu, alice: SandboxUser
) -> None:
    await accept_privacy(alice)
    await alice.send("/profile")
    await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    await alice.press("Change phone")
    await alice.chat.wait_for_text("Your number:")
    assert await alice.keyboard() is not None  # "Share my phone number" is up
    await alice.press("Back")
    await alice.chat.wait_for_text("Your phone number is unchanged.")
    await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    assert (await alice.keyboard()) in (None, {"remove_keyboard": True})

    await alice.press("Change phone")
    await alice.chat.wait_for_text("Your number:")
    await alice.press("Cancel")
    await alice.chat.wait_for_text("Your phone number is unchanged.")
    await alice.chat.wait_for_text("Cancelled.")
    assert (await alice.keyboard()) in (None, {"remove_keyboard": True})
    assert (await customer_row(kefu, alice.id)).phone is None


# --- a product told once is offered again -------------------------------------------------------


async def first_repair(user: SandboxUser, purchased: str) -> None:
    await user.send("/menu")
    await user.chat.wait_for_text("How can we help you?")
    await user.press("Repair or installation")
    await user.chat.wait_for_text("What do you need?")
    await user.press("Repair")
    await user.chat.wait_for_text("Which product")
    await user.press(PURIFIER)
    await user.chat.wait_for_text("serial number")
    await user.send(SERIAL)
    await user.chat.wait_for_text("When did you buy it?")
    await user.send(purchased)
    await user.chat.wait_for_text("describe the problem")
    await user.send("It leaks under the tank.")
    await finish_repair(user)


async def finish_repair(user: SandboxUser) -> Message:
    await user.chat.wait_for_text("Send photos")
    await user.press("Done")
    await user.chat.wait_for_text("technician to visit")
    await user.press("No visit needed")
    summary = await user.chat.wait_for_text("Please check your request")
    await user.press("Confirm and send")
    return summary


async def product_of_someone_else(kefu: Kefu) -> int:
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        other = await customers.get_or_create_by_telegram(session, 77001, now=now)
        await customers.record_consent(session, other, now=now, first_name="Other")
        product = await profiles.remember_product(
            session,
            other,
            product_id="ro-purifier-600",
            serial_number="OTHER-0001",
            purchase_date=None,
            now=now,
        )
        return product.id


async def test_the_product_of_the_last_request_is_offered_and_filled_in(
    kefu: Kefu, alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    purchased = (business_today(kefu.clock) - timedelta(days=200)).isoformat()
    await first_repair(alice, purchased)
    await alice.chat.wait_for_text("Your ticket K-000001 is open")

    await alice.send("/menu")
    await alice.chat.wait_for_text("How can we help you?")
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Maintenance")
    await alice.chat.wait_for_text("Which product")
    # A forged choice of a product that is not hers is refused, and the question asked again.
    someone_elses = await product_of_someone_else(kefu)
    for forged in ("repair:known:4242", f"repair:known:{someone_elses}", "repair:known:x"):
        answer = await alice.press_forged(forged)
        assert answer is not None and answer["text"] == "This button is no longer valid."
        await alice.chat.wait_for_text("Which product")
    await alice.press(f"Yours: {PURIFIER} · {SERIAL} · bought {purchased}")
    await alice.chat.wait_for_text("describe the problem")  # number and date skipped
    await alice.send("Time for the yearly filter change.")
    summary = await finish_repair(alice)
    assert f"Product: {PURIFIER}" in text_of(summary)
    assert f"Order or serial number: {SERIAL}" in text_of(summary)
    assert f"Purchase date: {purchased}" in text_of(summary)
    await alice.chat.wait_for_text("Your ticket K-000002 is open")

    async with kefu.db.read_only() as session:
        second = await tickets.get_by_number(session, "K-000002")
        assert second is not None
        kept = await profiles.products_of(session, second.customer_id)
    assert (second.product_id, second.serial_number, second.purchase_date.isoformat()) == (
        "ro-purifier-600",
        SERIAL,
        purchased,
    )
    assert [(p.product_id, p.serial_number) for p in kept] == [("ro-purifier-600", SERIAL)]

    # The profile lists it, and it can be removed there.
    await alice.send("/profile")
    shown = await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    assert f"• {PURIFIER} · {SERIAL} · bought {purchased}" in text_of(shown)
    await alice.press(f"Remove {PURIFIER} · {SERIAL}")
    shown = await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    assert "• none yet" in text_of(shown)
    await assert_each_press_answered_once(client)


async def test_a_product_added_in_the_profile_is_offered_in_a_request(
    kefu: Kefu, alice: SandboxUser
) -> None:
    await accept_privacy(alice)
    await alice.send("/profile")
    await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    await alice.press("Add a product")
    await alice.chat.wait_for_text("Which product do you own?")
    await alice.press(PURIFIER)
    await alice.chat.wait_for_text("serial number")
    await alice.send("no idea, sorry")  # not a serial number
    await alice.chat.wait_for_text("That does not look like a serial number")
    await alice.send("AP-0099")
    await alice.chat.wait_for_text("When did you buy it?")
    await alice.press("I don't know")
    await alice.chat.wait_for_text("Saved: the product is in your profile.")
    shown = await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    assert f"• {PURIFIER} · AP-0099" in text_of(shown)
    await alice.press("Done")
    await alice.chat.wait_for_text("Your profile is saved.")

    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    await alice.press(f"Yours: {PURIFIER} · AP-0099")
    await alice.chat.wait_for_text("When did you buy it?")  # the one thing not known yet


# --- staff: tags, notes, the customer at a glance ------------------------------------------------


async def test_staff_tag_and_note_the_customer_and_see_it_all_with_customer(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    staff_member: SandboxUser,
    mallory: SandboxUser,
    client: SandboxClient,
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    here = in_topic(topic)

    await staff_member.send("/tag VIP", **here)
    await topic.wait_for_text("Tag vip added to the customer by Li Wei.")
    await staff_member.send("/tag vip", **here)
    await topic.wait_for_text("The customer already has the tag vip.")
    await staff_member.send("/tag two words", **here)
    await topic.wait_for_text("Usage: /tag followed by one word")
    await staff_member.send(f"/tag {'x' * 33}", **here)
    await topic.wait_for_text("A tag is one word of at most 32 characters.")
    await staff_member.send("/tag dealer", **here)
    await topic.wait_for_text("Tag dealer added")
    # The card shows the customer's tags, and follows each change.
    await topic.wait_until(
        lambda messages: any("Tags: dealer, vip" in text_of(m) for m in messages), timeout=15
    )
    await staff_member.send("/untag vip", **here)
    await topic.wait_for_text("Tag vip removed from the customer by Li Wei.")
    await topic.wait_until(
        lambda messages: any(
            "Tags: dealer" in text_of(m) and "vip" not in text_of(m) for m in messages
        ),
        timeout=15,
    )
    await staff_member.send("/untag vip", **here)
    await topic.wait_for_text("The customer has no tag vip.")
    await staff_member.send("/customernote Calls back <b>only</b> after 18:00 & weekends", **here)
    await topic.wait_for_text("Note about the customer saved by Li Wei.")
    await staff_member.send(f"/customernote {'n' * 1001}", **here)
    await topic.wait_for_text("Nothing was saved.")

    await staff_member.send("/customer", **here)
    shown = text_of(await topic.wait_for_text("Customer profile"))
    assert "Name: Alice" in shown
    assert "dealer (by Li Wei)" in shown and "vip" not in shown
    # Escaped, so staff read what was typed, tags and all.
    assert "Li Wei: Calls back <b>only</b> after 18:00 & weekends" in shown
    assert f"{number} · Repair · Open · opened " in shown
    assert "· SLA running · CSAT —" in shown

    # Outside a ticket's topic, and from someone who is not staff: explained, nothing kept.
    await staff_member.send("/tag vip", chat_id=STAFF_CHAT_ID)
    await client.chat(STAFF_CHAT_ID).wait_for_text("Use this command inside a ticket's topic.")
    await mallory.send("/tag vip")
    await mallory.chat.wait_for_text("Sorry, only our support team can do that.")
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_number(session, number)
        assert ticket is not None
        tags = await customer_notes.tags_of(session, ticket.customer_id)
        notes = await customer_notes.notes_of(session, ticket.customer_id)
    assert [(tag.tag, tag.added_by_name) for tag in tags] == [("dealer", "Li Wei")]
    assert [(note.text, note.author_name) for note in notes] == [
        ("Calls back <b>only</b> after 18:00 & weekends", "Li Wei")
    ]


async def test_mydata_holds_the_profile_products_tags_and_notes(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
) -> None:
    await accept_privacy(alice)
    number = await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    topic = await topic_of(client, number)
    await staff_member.send("/tag dealer", **in_topic(topic))
    await topic.wait_for_text("Tag dealer added")
    await staff_member.send("/customernote Owns three purifiers.", **in_topic(topic))
    await topic.wait_for_text("Note about the customer saved")
    async with kefu.db.unit_of_work() as session:
        person = await customers.get_by_telegram(session, alice.id)
        assert person is not None
        now = kefu.clock.now()
        await profiles.set_address(session, person, "12 Garden Road", now=now)
        await profiles.remember_product(
            session,
            person,
            product_id="ro-purifier-600",
            serial_number=SERIAL,
            purchase_date=None,
            now=now,
        )

    _, _, document = await download_my_data(client, alice)
    assert document["profile"]["address"] == "12 Garden Road"
    assert [p["serial_number"] for p in document["products"]] == [SERIAL]
    assert [tag["tag"] for tag in document["customer_tags"]] == ["dealer"]
    assert [note["text"] for note in document["customer_notes"]] == ["Owns three purifiers."]
    assert "Li Wei" not in str(document)  # staff names are left out, as everywhere


# --- the yearly check ---------------------------------------------------------------------------


@pytest.mark.both_databases
async def test_the_yearly_check_asks_each_customer_once_and_yes_confirms(
    kefu: Kefu,
    desk_bot: Bot,
    alice: SandboxUser,
    wang: SandboxUser,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    await accept_privacy(wang)
    await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    await open_ticket(kefu, desk_bot, wang, language=Language.ZH_HANS)
    assert await checks.send_due_checks(desk_bot, kefu) == 0  # consented today: not yet

    clock.advance(timedelta(days=366))
    # Two instances scanning at once ask each customer once between them.
    asked = await asyncio.gather(
        checks.send_due_checks(desk_bot, kefu), checks.send_due_checks(desk_bot, kefu)
    )
    assert sum(asked) == 2
    assert await checks.send_due_checks(desk_bot, kefu) == 0
    question = await alice.chat.wait_for_text("Once a year we check")
    assert "Name: Alice" in text_of(question)
    await wang.chat.wait_for_text("每年")

    # "Update" opens the profile; leaving it with "Done" confirms nothing.
    await alice.press("Update", message_id=question["message_id"])
    await alice.chat.wait_for_text("Your profile, as Kefu holds it:")
    await alice.press("Done")
    await alice.chat.wait_for_text("Your profile is saved.")
    assert (await customer_row(kefu, alice.id)).profile_confirmed_at is None

    await alice.press("Yes, still correct", message_id=question["message_id"])
    await alice.chat.wait_for_text("Thank you: your profile is confirmed.")
    assert (await customer_row(kefu, alice.id)).profile_confirmed_at == pytest.approx(
        kefu.clock.now(), abs=timedelta(seconds=30)
    )

    # The metric: of the two customers served, Alice confirmed.
    metric = METRICS["profiles_confirmed"]
    metric.check({"within_days": 365}, 1.0)
    with pytest.raises(ValueError, match="within_days"):
        metric.check({"within_days": 0}, 1.0)
    today = business_today(clock)
    period = Period("range", today - timedelta(days=367), today, BUSINESS_ZONE)
    async with kefu.db.read_only() as session:
        measured = await metric.measure(
            Scope(session, period, kefu.clock.now(), kefu.calendar), {}, 1.0
        )
    assert (measured.part, measured.whole, measured.value, measured.met) == (1, 2, 0.5, False)
    assert measured.offenders == ("K-000002",)


@pytest.mark.both_databases
async def test_a_customer_who_withdrew_is_not_asked_and_an_old_yes_is_refused(
    kefu: Kefu, desk_bot: Bot, alice: SandboxUser, clock: ShiftedClock
) -> None:
    await accept_privacy(alice)
    await open_ticket(kefu, desk_bot, alice, language=Language.EN)
    clock.advance(timedelta(days=366))
    assert await checks.send_due_checks(desk_bot, kefu) == 1
    question = await alice.chat.wait_for_text("Once a year we check")
    async with kefu.db.unit_of_work() as session:
        person = await customers.get_by_telegram(session, alice.id)
        assert person is not None
        await customers.record_decline(session, person, now=kefu.clock.now())
    answer = await alice.press("Yes, still correct", message_id=question["message_id"])
    assert answer is not None and answer["text"] == "This button is no longer valid."
    clock.advance(timedelta(days=366))
    assert await checks.send_due_checks(desk_bot, kefu) == 0
