"""The profile flow assembled: /profile (or the yearly check's "Update") shows the profile;
each button changes one thing and comes back to it; "All correct" confirms it, "Done" ends."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot.context import KefuContext
from domain.profiles.buttons import UPDATE_PATTERN
from handlers.common.flow import END, NEW_TEXT, Step, drop_draft, say, start_draft
from handlers.common.menus import main_menu
from handlers.customer.profile import fields, products
from handlers.customer.profile.fields import save
from handlers.customer.profile.menu import ask_menu
from handlers.customer.profile.states import (
    CORRECT,
    DONE,
    EDIT,
    FLOW,
    LANGUAGE,
    NO_DATE,
    PRODUCT,
    REMOVE,
    Profile,
)
from storage import profiles

CONTACT = tg_filters.CONTACT & ~tg_filters.UpdateType.EDITED_MESSAGE
EDITS = {
    "name": Profile.NAME,
    "phone": Profile.PHONE,
    "address": Profile.ADDRESS,
    "language": Profile.LANGUAGE,
    "product": Profile.PRODUCT,
}


async def begin(update: Update, context: KefuContext) -> int:
    start_draft(context, "profile")
    return await FLOW.goto(update, context, Profile.MENU)


async def edit(update: Update, context: KefuContext) -> int:
    state = EDITS.get(EDIT.value(update) or "")
    if state is None:
        return await FLOW.again(update, context)
    return await FLOW.goto(update, context, state)


async def all_correct(update: Update, context: KefuContext) -> int:
    await save(
        context, lambda session, customer, now: profiles.confirm(session, customer, now=now)
    )
    thanks = context.t.t("Thank you: your profile is confirmed. How else can we help?")
    return await _end(update, context, thanks)


async def done(update: Update, context: KefuContext) -> int:
    return await _end(update, context, context.t.t("Your profile is saved. How else can we help?"))


async def _end(update: Update, context: KefuContext, text: str) -> int:
    drop_draft(context)
    await say(update, context, text, main_menu(context.t))
    return END


FLOW.steps = {
    Profile.MENU: Step(
        ask_menu,
        [
            CallbackQueryHandler(edit, pattern=EDIT.pattern),
            CallbackQueryHandler(products.remove_product, pattern=REMOVE.pattern),
            CallbackQueryHandler(all_correct, pattern=CORRECT.pattern),
            CallbackQueryHandler(done, pattern=DONE.pattern),
        ],
    ),
    Profile.NAME: Step(fields.ask_name, [MessageHandler(NEW_TEXT, fields.got_name)]),
    Profile.PHONE: Step(
        fields.ask_phone,
        [
            MessageHandler(CONTACT, fields.got_contact),
            MessageHandler(NEW_TEXT, fields.got_phone_text),
        ],
    ),
    Profile.ADDRESS: Step(fields.ask_address, [MessageHandler(NEW_TEXT, fields.got_address)]),
    Profile.LANGUAGE: Step(
        fields.ask_language, [CallbackQueryHandler(fields.got_language, pattern=LANGUAGE.pattern)]
    ),
    Profile.PRODUCT: Step(
        products.ask_product,
        [CallbackQueryHandler(products.got_product, pattern=PRODUCT.pattern)],
    ),
    Profile.SERIAL: Step(products.ask_serial, [MessageHandler(NEW_TEXT, products.got_serial)]),
    Profile.PURCHASE_DATE: Step(
        products.ask_purchase_date,
        [
            MessageHandler(NEW_TEXT, products.got_purchase_date),
            CallbackQueryHandler(products.no_purchase_date, pattern=NO_DATE.pattern),
        ],
    ),
}


def build_handler(timeout_minutes: float) -> ConversationHandler:
    enter = FLOW.entry(begin)
    return FLOW.build(
        [
            CommandHandler("profile", enter),
            CallbackQueryHandler(enter, pattern=UPDATE_PATTERN),
        ],
        timeout_minutes,
    )
