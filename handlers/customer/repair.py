"""Repair, maintenance and installation: from "my product is broken" to a confirmed ticket."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.context import KefuContext
from domain.care.reminder_buttons import FLOW_PATTERN, ReminderButton
from domain.care.reminders import prefilled_request
from domain.desk.lifecycle import TicketDraft
from domain.desk.wording import type_name
from domain.profiles.view import product_label
from domain.rules.dates import DateInputError, parse_customer_date
from domain.rules.references import is_reference
from domain.rules.warranty import warranty_ends_on, warranty_status
from handlers.common.answers import answer
from handlers.common.buttons import MENU_REPAIR, Button, number, one_of, optional_text
from handlers.common.flow import (
    NEW_TEXT,
    Flow,
    Step,
    draft,
    fits,
    keyboard,
    reply,
    say,
    start_draft,
    text_answer,
)
from handlers.common.intake import open_ticket
from handlers.common.wording import date_problem_text
from storage import customers, profiles, reminders
from storage.enums import Priority, TicketType, Warranty


class Repair(IntEnum):
    KIND = auto()
    PRODUCT = auto()
    SERIAL = auto()
    PURCHASE_DATE = auto()
    DESCRIPTION = auto()
    PHOTOS = auto()
    VISIT = auto()
    ADDRESS = auto()
    TIME_WINDOW = auto()
    CONFIRM = auto()
    EMERGENCY = auto()  # last: the numbers of the states before it are in persisted flows


KINDS = (TicketType.REPAIR, TicketType.MAINTENANCE, TicketType.INSTALLATION)
TIME_WINDOWS = ("morning", "afternoon", "evening")
KIND = Button("repair", "kind", TicketType)
PRODUCT = Button("repair", "product", optional_text)  # empty: "Other product"
KNOWN = Button("repair", "known", number)  # a product of the customer's profile (its row id)
KNOWN_OFFERED = 3  # the customer's newest products, offered before the catalogue
VISIT = Button("repair", "visit", one_of("yes", "no"))
WINDOW = Button("repair", "window", one_of(*TIME_WINDOWS))
CONFIRM: Button[Any] = Button("repair", "confirm")
EMERGENCY: Button[Any] = Button("repair", "emergency")
EDITABLE = {
    "product": Repair.PRODUCT,
    "serial": Repair.SERIAL,
    "date": Repair.PURCHASE_DATE,
    "description": Repair.DESCRIPTION,
    "visit": Repair.VISIT,
}


def _kind_label(context: KefuContext, kind: str) -> str:
    return type_name(context.t, TicketType(kind))


def _window_label(context: KefuContext, window: str) -> str:
    t = context.t.t
    return {
        "morning": t("Morning (9:00–12:00)"),
        "afternoon": t("Afternoon (13:00–17:00)"),
        "evening": t("Evening (18:00–20:00)"),
    }[window]


# --- asking -----------------------------------------------------------------------------------


async def ask_kind(update: Update, context: KefuContext) -> None:
    rows = [
        [InlineKeyboardButton(_kind_label(context, kind), callback_data=KIND.data(kind))]
        for kind in KINDS
    ]
    urgent = context.t.t("🚨 Emergency (e.g. water leaking)")
    rows.append([InlineKeyboardButton(urgent, callback_data=EMERGENCY.data())])
    await say(
        update, context, context.t.t("What do you need?"), keyboard(context, rows, back=False)
    )


async def ask_product(update: Update, context: KefuContext) -> None:
    language = context.t.language
    assert context.customer_id is not None
    async with context.kefu.db.read_only() as session:
        known = await profiles.products_of(session, context.customer_id)
    # What they told us last time comes first: one press fills in product, number and date.
    rows = [
        [
            InlineKeyboardButton(
                context.t.t(
                    "Yours: {product}", product=product_label(context.kefu.config, context.t, p)
                ),
                callback_data=KNOWN.data(p.id),
            )
        ]
        for p in known[:KNOWN_OFFERED]
    ]
    rows += [
        [InlineKeyboardButton(p.name(language), callback_data=PRODUCT.data(p.id))]
        for p in context.kefu.config.products
    ]
    rows.append([InlineKeyboardButton(context.t.t("Other product"), callback_data=PRODUCT.data())])
    await say(update, context, context.t.t("Which product is it about?"), keyboard(context, rows))


async def ask_serial(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("Please type the order number or the serial number on the product's label."),
        keyboard(context, []),
    )


async def ask_purchase_date(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("When did you buy it? For example 2025-03-01, 1/3/2025 or 2025年3月1日."),
        keyboard(context, []),
    )


async def ask_description(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("Please describe the problem or what you need, in your own words."),
        keyboard(context, []),
    )


async def ask_visit(update: Update, context: KefuContext) -> None:
    rows = [
        [
            InlineKeyboardButton(context.t.t("Yes, visit me"), callback_data=VISIT.data("yes")),
            InlineKeyboardButton(context.t.t("No visit needed"), callback_data=VISIT.data("no")),
        ]
    ]
    await say(
        update,
        context,
        context.t.t("Do you need a technician to visit you?"),
        keyboard(context, rows),
    )


async def ask_address(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("Please type the address for the visit."),
        keyboard(context, []),
    )


async def ask_time_window(update: Update, context: KefuContext) -> None:
    rows = [
        [InlineKeyboardButton(_window_label(context, w), callback_data=WINDOW.data(w))]
        for w in TIME_WINDOWS
    ]
    await say(
        update, context, context.t.t("Which time of day suits you best?"), keyboard(context, rows)
    )


async def ask_emergency(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t(
            "Tell us in one message what is happening and where (the address): we alert our "
            "on-duty team as soon as you send it."
        ),
        keyboard(context, []),
    )


def _summary(context: KefuContext) -> str:
    answers = draft(context).answers
    products = {p.id: p for p in context.kefu.config.products}
    product = products.get(answers.get("product") or "")
    lines = [
        context.t.t("Please check your request:"),
        "",
        context.t.t("Service: {value}", value=_kind_label(context, answers["kind"])),
        context.t.t(
            "Product: {value}",
            value=product.name(context.t.language) if product else context.t.t("Other product"),
        ),
        context.t.t("Order or serial number: {value}", value=answers["serial"]),
        context.t.t("Purchase date: {value}", value=answers["purchase_date"].isoformat()),
        context.t.t("Problem: {value}", value=answers["description"]),
        context.t.tn(
            "{n} file attached", "{n} files attached", len(answers.get("attachments", []))
        ),
    ]
    if answers.get("visit"):
        lines.append(
            context.t.t(
                "Technician visit: {address}, {window}",
                address=answers["address"],
                window=_window_label(context, answers["window"]),
            )
        )
    else:
        lines.append(context.t.t("Technician visit: not needed"))
    lines += ["", _warranty_line(context)]
    return "\n".join(lines)


def _warranty_line(context: KefuContext) -> str:
    answers = draft(context).answers
    status = answers["warranty"]
    if status == Warranty.IN_WARRANTY:
        return context.t.t(
            "Good news: your product is under warranty until {date}, so the repair is free.",
            date=answers["warranty_ends"].isoformat(),
        )
    if status == Warranty.OUT_OF_WARRANTY:
        return context.t.t(
            "The warranty ended on {date}. Repairs are still possible; we will send you a quote "
            "before any paid work.",
            date=answers["warranty_ends"].isoformat(),
        )
    return context.t.t(
        "We will check the warranty for this product and tell you if the repair is free."
    )


async def ask_confirm(update: Update, context: KefuContext) -> None:
    t = context.t.t
    rows = [
        [InlineKeyboardButton(t("Confirm and send"), callback_data=CONFIRM.data())],
        [
            InlineKeyboardButton(
                t("Edit product"), callback_data=FLOW.edit_button.data("product")
            ),
            InlineKeyboardButton(t("Edit number"), callback_data=FLOW.edit_button.data("serial")),
        ],
        [
            InlineKeyboardButton(t("Edit date"), callback_data=FLOW.edit_button.data("date")),
            InlineKeyboardButton(
                t("Edit description"), callback_data=FLOW.edit_button.data("description")
            ),
        ],
        [InlineKeyboardButton(t("Edit visit"), callback_data=FLOW.edit_button.data("visit"))],
    ]
    await say(update, context, _summary(context), keyboard(context, rows))


# --- answers ----------------------------------------------------------------------------------


async def begin(update: Update, context: KefuContext) -> int:
    start_draft(context, "repair")
    return await FLOW.goto(update, context, Repair.KIND)


async def begin_from_reminder(update: Update, context: KefuContext) -> int | None:
    """A reminder's "Request a repair" or "Book maintenance": the request pre-filled with the
    reminder's product, number and purchase date; the customer describes what is needed."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    button = ReminderButton.parse(query.data)
    found = None
    if button is not None:
        async with context.kefu.db.read_only() as session:
            found = await reminders.reminder(session, button.recipient_id)
    if (
        found is None
        or found.ticket.customer.telegram_id != user.id
        or found.ticket.personal_data_erased_at is not None
        or context.kefu.config.product(found.ticket.product_id or "") is None
    ):
        await answer(update, context, context.t.t("This button is no longer valid."))
        return None
    start_draft(context, "repair").answers.update(prefilled_request(found.ticket, found.kind))
    _compute_warranty(context)
    return await FLOW.goto(update, context, Repair.DESCRIPTION)


async def got_kind(update: Update, context: KefuContext) -> int:
    kind = KIND.value(update)
    if kind not in KINDS:
        return await FLOW.again(update, context)
    draft(context).answers["kind"] = kind
    return await FLOW.proceed(update, context, Repair.PRODUCT)


async def got_product(update: Update, context: KefuContext) -> int:
    product_id = PRODUCT.value(update)
    known = {p.id for p in context.kefu.config.products}
    if product_id is not None and product_id not in known:
        return await FLOW.again(update, context)
    answers = draft(context).answers
    answers["product"] = product_id
    if "purchase_date" in answers:
        _compute_warranty(context)
    return await FLOW.proceed(update, context, Repair.SERIAL)


async def got_known_product(update: Update, context: KefuContext) -> int:
    """A product of the customer's profile: its product, number and purchase date filled in."""
    row_id = KNOWN.value(update)
    assert context.customer_id is not None
    known = None
    if row_id is not None:
        async with context.kefu.db.read_only() as session:
            known = await profiles.product_of(session, context.customer_id, row_id)
    # Forged, another customer's, removed from the profile meanwhile, or of a product the
    # catalogue no longer has: ask again.
    if known is None or (
        known.product_id is not None and context.kefu.config.product(known.product_id) is None
    ):
        return await FLOW.again(update, context)
    answers = draft(context).answers
    answers["product"] = known.product_id
    if known.serial_number is None:
        return await FLOW.goto(update, context, Repair.SERIAL)
    answers["serial"] = known.serial_number
    if known.purchase_date is None:
        return await FLOW.goto(update, context, Repair.PURCHASE_DATE)
    answers["purchase_date"] = known.purchase_date
    _compute_warranty(context)
    return await FLOW.proceed(update, context, Repair.DESCRIPTION)


async def got_serial(update: Update, context: KefuContext) -> int:
    value = " ".join(text_answer(update).split())
    if not is_reference(value):
        await reply(
            update,
            context.t.t(
                "That does not look like an order or serial number: use 3 to 40 letters, digits "
                "or dashes, as printed on your receipt or the product's label."
            ),
        )
        return await FLOW.goto(update, context, Repair.SERIAL)
    draft(context).answers["serial"] = value
    return await FLOW.proceed(update, context, Repair.PURCHASE_DATE)


def _compute_warranty(context: KefuContext) -> None:
    answers = draft(context).answers
    products = {p.id: p for p in context.kefu.config.products}
    product = products.get(answers.get("product") or "")
    months = product.warranty_months if product else None
    today = context.kefu.clock.now().astimezone(context.kefu.timezone).date()
    purchased = answers["purchase_date"]
    answers["warranty"] = Warranty(warranty_status(purchased, months, today).value)
    answers["warranty_ends"] = warranty_ends_on(purchased, months) if months is not None else None


async def got_purchase_date(update: Update, context: KefuContext) -> int:
    today = context.kefu.clock.now().astimezone(context.kefu.timezone).date()
    try:
        purchased = parse_customer_date(text_answer(update), today)
    except DateInputError as error:
        await reply(update, date_problem_text(context, error.problem))
        return await FLOW.goto(update, context, Repair.PURCHASE_DATE)
    draft(context).answers["purchase_date"] = purchased
    _compute_warranty(context)
    return await FLOW.proceed(update, context, Repair.DESCRIPTION)


async def got_description(update: Update, context: KefuContext) -> int:
    text = text_answer(update)
    if not await fits(update, context, text):
        return await FLOW.goto(update, context, Repair.DESCRIPTION)
    draft(context).answers["description"] = text
    return await FLOW.proceed(update, context, Repair.PHOTOS)


async def got_visit(update: Update, context: KefuContext) -> int:
    wants_visit = VISIT.value(update) == "yes"
    draft(context).answers["visit"] = wants_visit
    if wants_visit:  # an edit of the visit goes on through address and time window
        return await FLOW.goto(update, context, Repair.ADDRESS)
    return await FLOW.proceed(update, context, Repair.CONFIRM)


async def got_address(update: Update, context: KefuContext) -> int:
    address = text_answer(update)
    if not 5 <= len(address) <= 300:
        await reply(update, context.t.t("Please type the full address (street, number, city)."))
        return await FLOW.goto(update, context, Repair.ADDRESS)
    draft(context).answers["address"] = address
    return await FLOW.goto(update, context, Repair.TIME_WINDOW)


async def got_time_window(update: Update, context: KefuContext) -> int:
    window = WINDOW.value(update)
    if window not in TIME_WINDOWS:
        return await FLOW.again(update, context)
    current = draft(context)
    current.answers["window"] = window
    current.editing = False
    return await FLOW.goto(update, context, Repair.CONFIRM)


async def got_emergency_button(update: Update, context: KefuContext) -> int:
    return await FLOW.proceed(update, context, Repair.EMERGENCY)


async def got_emergency(update: Update, context: KefuContext) -> int:
    """An emergency skips the questions that can wait: the ticket opens with what was said."""
    text = text_answer(update)
    if not await fits(update, context, text):
        return await FLOW.goto(update, context, Repair.EMERGENCY)
    ticket_draft = TicketDraft(
        type=TicketType.REPAIR, priority=Priority.URGENT, description=text, emergency=True
    )
    return await open_ticket(update, context, ticket_draft)


async def confirm(update: Update, context: KefuContext) -> int:
    answers = draft(context).answers
    await _remember_product(context, answers)
    details: dict[str, object] = {"visit": bool(answers.get("visit"))}
    if answers.get("visit"):
        details |= {"address": answers["address"], "time_window": answers["window"]}
    ticket_draft = TicketDraft(
        type=TicketType(answers["kind"]),
        priority=Priority.NORMAL,
        product_id=answers.get("product"),
        serial_number=answers["serial"],
        purchase_date=answers["purchase_date"],
        warranty=answers["warranty"],
        description=answers["description"],
        details=details,
        attachments=answers.get("attachments", []),
    )
    return await open_ticket(update, context, ticket_draft)


async def _remember_product(context: KefuContext, answers: dict[str, Any]) -> None:
    """The product goes into the customer's profile, to be offered in their next request (the
    same product and number again is the same entry)."""
    kefu = context.kefu
    assert context.customer_id is not None
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, context.customer_id)
        assert customer is not None
        await profiles.remember_product(
            session,
            customer,
            product_id=answers.get("product"),
            serial_number=answers["serial"],
            purchase_date=answers["purchase_date"],
            now=kefu.clock.now(),
        )


FLOW = Flow("repair", summary=Repair.CONFIRM)
FLOW.steps = {
    Repair.KIND: Step(
        ask_kind,
        [
            CallbackQueryHandler(got_kind, pattern=KIND.pattern),
            CallbackQueryHandler(got_emergency_button, pattern=EMERGENCY.pattern),
        ],
    ),
    Repair.EMERGENCY: Step(ask_emergency, [MessageHandler(NEW_TEXT, got_emergency)]),
    Repair.PRODUCT: Step(
        ask_product,
        [
            CallbackQueryHandler(got_product, pattern=PRODUCT.pattern),
            CallbackQueryHandler(got_known_product, pattern=KNOWN.pattern),
        ],
    ),
    Repair.SERIAL: Step(ask_serial, [MessageHandler(NEW_TEXT, got_serial)]),
    Repair.PURCHASE_DATE: Step(ask_purchase_date, [MessageHandler(NEW_TEXT, got_purchase_date)]),
    Repair.DESCRIPTION: Step(ask_description, [MessageHandler(NEW_TEXT, got_description)]),
    Repair.PHOTOS: FLOW.files_step(Repair.PHOTOS, Repair.VISIT),
    Repair.VISIT: Step(ask_visit, [CallbackQueryHandler(got_visit, pattern=VISIT.pattern)]),
    Repair.ADDRESS: Step(ask_address, [MessageHandler(NEW_TEXT, got_address)]),
    Repair.TIME_WINDOW: Step(
        ask_time_window, [CallbackQueryHandler(got_time_window, pattern=WINDOW.pattern)]
    ),
    Repair.CONFIRM: Step(
        ask_confirm,
        [
            CallbackQueryHandler(confirm, pattern=CONFIRM.pattern),
            FLOW.edit_handler(EDITABLE),
        ],
    ),
}


def build_handler(timeout_minutes: float) -> ConversationHandler:
    from_reminder = CallbackQueryHandler(FLOW.entry(begin_from_reminder), pattern=FLOW_PATTERN)
    return FLOW.build(
        [*FLOW.entry_points(begin, MENU_REPAIR, "repair"), from_reminder], timeout_minutes
    )
