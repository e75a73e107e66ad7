"""The profile's own fields: the name Kefu calls the customer by, the phone (their own contact
shared with Telegram's button, or typed), the address and the language. Each is saved as soon
as it is given, and the profile is shown again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from telegram import (
    InlineKeyboardButton,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.context import KefuContext
from bot.i18n import LANGUAGES
from domain.profiles import fields
from domain.profiles.fields import FieldError, Problem
from handlers.common.flow import PHONE_KEYBOARD, keyboard, reply, say, text_answer
from handlers.common.menus import LANGUAGE_NAMES
from handlers.customer.profile.states import FLOW, LANGUAGE, Profile
from storage import customers, profiles
from storage.enums import Language
from storage.models import Customer

# A change of the customer's row, given the session, the customer and the time.
Change = Callable[[Any, Customer, datetime], Awaitable[None]]


def problem_text(context: KefuContext, problem: Problem) -> str:
    t = context.t.t
    return {
        Problem.EMPTY: t("That is empty. Please type it again."),
        Problem.TOO_LONG: t("That is too long. Please keep it shorter."),
        Problem.TOO_SHORT: t("Please type the full address (street, number, city)."),
        Problem.NOT_A_PHONE: t(
            "That does not look like a phone number: use digits, with + and spaces or dashes "
            "if you like, 6 to 20 digits in all."
        ),
        Problem.NOT_A_TAG: t("That is not a single word."),
    }[problem]


# --- name ---------------------------------------------------------------------------------------


async def ask_name(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("How should we call you? Type the name our team should use."),
        keyboard(context, []),
    )


async def got_name(update: Update, context: KefuContext) -> int:
    try:
        name = fields.parse_name(text_answer(update))
    except FieldError as error:
        await reply(update, problem_text(context, error.problem))
        return await FLOW.goto(update, context, Profile.NAME)
    await save(
        context,
        lambda session, customer, now: profiles.set_display_name(session, customer, name, now=now),
    )
    await reply(update, context.t.t("Saved: we will call you {name}.", name=name))
    return await FLOW.goto(update, context, Profile.MENU)


# --- phone --------------------------------------------------------------------------------------


async def ask_phone(update: Update, context: KefuContext) -> None:
    assert update.effective_chat is not None and context.user_data is not None
    share = KeyboardButton(context.t.t("Share my phone number"), request_contact=True)
    context.user_data.pop(PHONE_KEYBOARD, None)  # asked again: the keyboard stays up
    await say(
        update,
        context,
        context.t.t(
            "Press “Share my phone number” below to give us the number of this Telegram "
            "account, or type the number we should call."
        ),
        keyboard(context, []),
    )
    # A reply keyboard cannot ride on the prompt, which has the inline Back and Cancel.
    await update.effective_chat.send_message(
        context.t.t("Your number:"),
        reply_markup=ReplyKeyboardMarkup([[share]], resize_keyboard=True, one_time_keyboard=True),
    )
    context.user_data[PHONE_KEYBOARD] = True


async def got_contact(update: Update, context: KefuContext) -> int:
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.contact is not None and user is not None
    if message.contact.user_id != user.id:
        await reply(
            update,
            context.t.t(
                "That is someone else's contact. Please share your own with the button, or "
                "type your number."
            ),
        )
        return await FLOW.goto(update, context, Profile.PHONE)
    return await _save_phone(update, context, fields.contact_phone(message.contact.phone_number))


async def got_phone_text(update: Update, context: KefuContext) -> int:
    try:
        phone = fields.parse_phone(text_answer(update))
    except FieldError as error:
        await reply(update, problem_text(context, error.problem))
        return await FLOW.goto(update, context, Profile.PHONE)
    return await _save_phone(update, context, phone)


async def _save_phone(update: Update, context: KefuContext, phone: str) -> int:
    assert context.user_data is not None
    context.user_data.pop(PHONE_KEYBOARD, None)  # the confirmation below closes it
    await save(
        context,
        lambda session, customer, now: customers.set_contact(
            session, customer, phone=phone, now=now
        ),
    )
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t.t("Saved: we will call you on {phone}.", phone=phone),
        reply_markup=ReplyKeyboardRemove(),
    )
    return await FLOW.goto(update, context, Profile.MENU)


# --- address ------------------------------------------------------------------------------------


async def ask_address(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("Please type your address (street, number, city), for visits and deliveries."),
        keyboard(context, []),
    )


async def got_address(update: Update, context: KefuContext) -> int:
    try:
        address = fields.parse_address(text_answer(update))
    except FieldError as error:
        await reply(update, problem_text(context, error.problem))
        return await FLOW.goto(update, context, Profile.ADDRESS)
    await save(
        context,
        lambda session, customer, now: profiles.set_address(session, customer, address, now=now),
    )
    await reply(update, context.t.t("Saved: your address."))
    return await FLOW.goto(update, context, Profile.MENU)


# --- language -----------------------------------------------------------------------------------


async def ask_language(update: Update, context: KefuContext) -> None:
    current = context.t.language
    rows = [
        [
            InlineKeyboardButton(
                f"{'✓ ' if code == current else ''}{name}", callback_data=LANGUAGE.data(code)
            )
        ]
        for code, name in LANGUAGE_NAMES.items()
    ]
    await say(update, context, context.t.t("Choose your language:"), keyboard(context, rows))


async def got_language(update: Update, context: KefuContext) -> int:
    language = LANGUAGE.value(update)
    if language not in LANGUAGES:
        return await FLOW.again(update, context)
    await save(
        context,
        lambda session, customer, now: customers.set_language(
            session, customer, Language(language), now=now
        ),
    )
    context.translator = context.kefu.catalogs.for_language(language)
    return await FLOW.goto(update, context, Profile.MENU)


async def save(context: KefuContext, change: Change) -> None:
    """One unit of work around one change of the customer's row."""
    kefu = context.kefu
    assert context.customer_id is not None
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, context.customer_id)
        assert customer is not None
        await change(session, customer, kefu.clock.now())
