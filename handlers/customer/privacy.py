"""/privacy: the notice again, and the customer's Accept or Decline (consent given, withdrawn)."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KefuContext
from domain.privacy import consent
from handlers.common.consent import ACCEPT, DECLINE, show_notice
from handlers.common.menus import faq_only_menu, main_menu


async def accept(update: Update, context: KefuContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and context.customer_id is not None
    await consent.accept(
        context.kefu,
        context.customer_id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
    )
    context.consented = True
    await query.answer()
    await query.edit_message_reply_markup(None)
    assert query.message is not None
    await query.message.chat.send_message(
        context.t.render("welcome.html.j2", name=user.first_name),
        parse_mode=ParseMode.HTML,
        reply_markup=main_menu(context.t),
    )


async def decline(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None and context.customer_id is not None
    await consent.decline(context.kefu, context.customer_id)
    context.consented = False
    await query.answer()
    await query.edit_message_reply_markup(None)
    assert query.message is not None
    await query.message.chat.send_message(
        context.t.t(
            "Understood: we keep nothing about you. You can still browse our answers to common "
            "questions. If you change your mind, send /privacy."
        ),
        reply_markup=faq_only_menu(context.t),
    )


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("privacy", show_notice),
        CallbackQueryHandler(accept, pattern=ACCEPT.pattern),
        CallbackQueryHandler(decline, pattern=DECLINE.pattern),
    ]
