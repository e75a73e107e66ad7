"""/start, /help and the main menu."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CommandHandler

from bot.context import KefuContext
from handlers.common.consent import show_notice
from handlers.common.menus import main_menu


async def start(update: Update, context: KefuContext) -> None:
    user = update.effective_user
    assert update.effective_message is not None and user is not None
    if not context.consented:
        await show_notice(update, context)
        return
    await update.effective_message.reply_text(
        context.t.render("welcome.html.j2", name=user.first_name),
        parse_mode=ParseMode.HTML,
        reply_markup=main_menu(context.t),
    )


async def show_help(update: Update, context: KefuContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t.render("help.html.j2"), parse_mode=ParseMode.HTML
    )


async def show_menu(update: Update, context: KefuContext) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t.t("How can we help you?"), reply_markup=main_menu(context.t)
    )


async def nothing_to_cancel(update: Update, context: KefuContext) -> None:
    """/cancel outside a flow (inside one, the flow takes it): the menu offers it everywhere."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t.t("There is nothing to cancel. How can we help you?"),
        reply_markup=main_menu(context.t),
    )


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", start),
        CommandHandler("cancel", nothing_to_cancel),
        CommandHandler("help", show_help),
        CommandHandler("menu", show_menu),
    ]
