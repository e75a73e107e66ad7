"""/language: the customer picks English, Simplified or Traditional Chinese; it is stored."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KefuContext
from bot.i18n import LANGUAGES
from handlers.common.answers import answer
from handlers.common.buttons import MENU_LANGUAGE
from handlers.common.edits import edit_pressed
from handlers.common.menus import LANGUAGE, language_menu, main_menu
from storage import customers
from storage.enums import Language


async def ask_language(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None
    text = context.t.t("Choose your language:")
    await answer(update, context)
    await message.reply_text(text, reply_markup=language_menu(context.t.language))


async def set_language(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    language = LANGUAGE.value(update)
    if language not in LANGUAGES or context.customer_id is None:
        await answer(update, context, context.t.t("This button is no longer valid."))
        return
    kefu = context.kefu
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, context.customer_id)
        assert customer is not None
        await customers.set_language(session, customer, Language(language), now=kefu.clock.now())
    context.translator = kefu.catalogs.for_language(language)
    await answer(update, context)
    await edit_pressed(update, context, text=context.t.t("Language set to English."))
    assert query.message is not None
    await query.message.chat.send_message(
        context.t.t("How can we help you?"), reply_markup=main_menu(context.t)
    )


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("language", ask_language),
        CallbackQueryHandler(ask_language, pattern=MENU_LANGUAGE.pattern),
        CallbackQueryHandler(set_language, pattern=LANGUAGE.pattern),
    ]
