"""First contact: what we keep and why, with Accept / Decline. Nothing personal before Accept."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import KefuContext
from handlers.menus import faq_only_menu, main_menu
from storage import customers


def _consent_buttons(context: KefuContext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(context.t.t("Accept"), callback_data="privacy:accept"),
                InlineKeyboardButton(context.t.t("Decline"), callback_data="privacy:decline"),
            ]
        ]
    )


async def show_notice(update: Update, context: KefuContext) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        context.t.render("privacy_notice.html.j2"),
        parse_mode=ParseMode.HTML,
        reply_markup=_consent_buttons(context),
    )


async def require_consent(update: Update, context: KefuContext) -> bool:
    """True when the customer has consented; otherwise explain why we ask, and ask."""
    if context.consented:
        return True
    assert update.effective_chat is not None
    if update.callback_query:
        await update.callback_query.answer()
    await update.effective_chat.send_message(
        context.t.t(
            "To open a service ticket we need to keep your name and the details you give us. "
            "Please read and accept our privacy notice first."
        )
    )
    await show_notice(update, context)
    return False


async def accept(update: Update, context: KefuContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and context.customer_id is not None
    kefu = context.kefu
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, context.customer_id)
        assert customer is not None
        await customers.record_consent(
            session,
            customer,
            now=kefu.clock.now(),
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
    kefu = context.kefu
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, context.customer_id)
        assert customer is not None
        await customers.record_decline(session, customer, now=kefu.clock.now())
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
        CommandHandler("privacy", show_notice, filters=filters.ChatType.PRIVATE),
        CallbackQueryHandler(accept, pattern=r"^privacy:accept$"),
        CallbackQueryHandler(decline, pattern=r"^privacy:decline$"),
    ]
