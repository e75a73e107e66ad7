"""/privacy and /forget: consent given, declined or withdrawn, and erasure on request.

Withdrawing consent and `/forget` both erase everything personal Kefu holds (see
`domain.privacy.erasure`), so each asks for confirmation first. A confirmation button is good
for `CONFIRM_FOR` only: an erasure is not undone, and an old message pressed by accident must
not set one off.

These handlers run in the customers' first group, ahead of the guided flows, so they work
mid-flow, and they end the update there (`ApplicationHandlerStop`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KefuContext
from domain.privacy import consent, erasure
from handlers.common.answers import answer, drop_buttons
from handlers.common.buttons import Button, number
from handlers.common.consent import ACCEPT, DECLINE, WITHDRAW, show_notice
from handlers.common.flow import has_draft
from handlers.common.menus import faq_only_menu, main_menu

CONFIRM_FOR = timedelta(minutes=10)
# The value is when the confirmation was asked (Unix seconds), so a stale press is refused.
CONFIRM_WITHDRAW = Button("privacy", "withdraw:yes", number)
CONFIRM_FORGET = Button("privacy", "forget:yes", number)
KEEP: Button[Any] = Button("privacy", "keep")


async def privacy(update: Update, context: KefuContext) -> None:
    await show_notice(update, context)
    raise ApplicationHandlerStop


async def accept(update: Update, context: KefuContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None and context.customer_id is not None
    await answer(update, context)
    await drop_buttons(update, context)
    if not context.consented:  # an old notice pressed again records nothing twice
        await consent.accept(
            context.kefu,
            context.customer_id,
            first_name=user.first_name,
            last_name=user.last_name,
            username=user.username,
        )
        context.consented = True
    assert query.message is not None
    await query.message.chat.send_message(
        context.t.render("welcome.html.j2", name=user.first_name),
        parse_mode=ParseMode.HTML,
        reply_markup=main_menu(context.t),
    )
    raise ApplicationHandlerStop


async def decline(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None and context.customer_id is not None
    if context.consented:
        # An old notice's Decline, pressed after accepting: that is a withdrawal, confirm it.
        return await ask_to_withdraw(update, context)  # ends the update
    await answer(update, context)
    await drop_buttons(update, context)
    await consent.decline(context.kefu, context.customer_id)
    assert query.message is not None
    await query.message.chat.send_message(
        context.t.t(
            "Understood: we keep nothing about you. You can still browse our answers to common "
            "questions. If you change your mind, send /privacy."
        ),
        reply_markup=faq_only_menu(context.t),
    )
    raise ApplicationHandlerStop


def _confirmation(context: KefuContext, confirm: Button[int], label: str) -> InlineKeyboardMarkup:
    asked = int(context.kefu.clock.now().timestamp())
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=confirm.data(asked))],
            [InlineKeyboardButton(context.t.t("Keep my data"), callback_data=KEEP.data())],
        ]
    )


async def ask_to_withdraw(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await answer(update, context)
    if not context.consented:
        await drop_buttons(update, context)
        await show_notice(update, context)
        raise ApplicationHandlerStop
    await query.message.chat.send_message(
        context.t.render("privacy_confirm.html.j2", withdrawing=True),
        parse_mode=ParseMode.HTML,
        reply_markup=_confirmation(context, CONFIRM_WITHDRAW, context.t.t("Withdraw and erase")),
    )
    raise ApplicationHandlerStop


async def ask_to_forget(update: Update, context: KefuContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t.render("privacy_confirm.html.j2", withdrawing=False),
        parse_mode=ParseMode.HTML,
        reply_markup=_confirmation(context, CONFIRM_FORGET, context.t.t("Erase everything")),
    )
    raise ApplicationHandlerStop


async def confirmed(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None and context.customer_id is not None
    withdrawing = CONFIRM_WITHDRAW.pressed(update)
    asked = (CONFIRM_WITHDRAW if withdrawing else CONFIRM_FORGET).value(update)
    now = context.kefu.clock.now().timestamp()
    if asked is None or not 0 <= now - asked <= CONFIRM_FOR.total_seconds():
        await answer(
            update,
            context,
            context.t.t("This confirmation has expired. Nothing was erased: please ask again."),
            alert=True,
        )
        await drop_buttons(update, context)
        raise ApplicationHandlerStop
    await answer(update, context)
    await drop_buttons(update, context)
    # The in-memory answers go first: PTB writes user_data back after the update, and an
    # empty one deletes the stored row the erasure also deletes.
    in_progress = has_draft(context)
    if context.user_data is not None:
        context.user_data.clear()
    done = await erasure.erase(
        context.kefu,
        context.customer_id,
        withdrawn=withdrawing,
        current_update_id=update.update_id,
    )
    done.erased.flow |= in_progress  # PTB may not have written the draft yet
    context.consented = False
    await query.message.chat.send_message(
        context.t.render("privacy_erased.html.j2", erased=done.erased, withdrawn=withdrawing),
        parse_mode=ParseMode.HTML,
        reply_markup=faq_only_menu(context.t),
    )
    await erasure.tell_staff(context.bot, context.kefu, done)
    raise ApplicationHandlerStop


async def keep(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    await answer(update, context, context.t.t("Nothing was changed."))
    await drop_buttons(update, context)
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("privacy", privacy),
        CommandHandler("forget", ask_to_forget),
        CallbackQueryHandler(accept, pattern=ACCEPT.pattern),
        CallbackQueryHandler(decline, pattern=DECLINE.pattern),
        CallbackQueryHandler(ask_to_withdraw, pattern=WITHDRAW.pattern),
        CallbackQueryHandler(confirmed, pattern=CONFIRM_WITHDRAW.pattern),
        CallbackQueryHandler(confirmed, pattern=CONFIRM_FORGET.pattern),
        CallbackQueryHandler(keep, pattern=KEEP.pattern),
    ]
