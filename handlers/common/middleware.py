"""Runs before every other handler: who is writing, and in which language to answer."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, TypeHandler

from bot.context import KefuContext
from bot.i18n import Translator, language_from_telegram
from bot.services import Kefu
from storage import customers
from storage.enums import Language


async def attach_customer_language(update: Update, context: KefuContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        return
    kefu = context.kefu
    telegram_language = language_from_telegram(
        user.language_code, kefu.config.support.language_default
    )
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        # Staff speak their own Telegram language; they are not customers.
        context.translator = kefu.catalogs.for_language(telegram_language)
        return
    # They wrote or pressed: whatever blocked them before, we can reach them now.
    wrote = bool(update.message or update.callback_query)
    profile = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
    }
    # Usually the customer is known and nothing about them changed: a read will do, and the
    # write transaction (on SQLite, the database's one write lock) is left to those who need it.
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, user.id)
    if not customers.is_up_to_date(customer, **profile, wrote=wrote):
        async with kefu.db.unit_of_work() as session:
            customer = await customers.get_or_create_by_telegram(
                session,
                user.id,
                language=Language(telegram_language),
                now=kefu.clock.now(),
                **profile,
            )
            if wrote:
                await customers.mark_reachable(session, customer, now=kefu.clock.now())
    assert customer is not None
    context.customer_id = customer.id
    context.consented = customer.has_consented
    context.translator = kefu.catalogs.for_language(customer.language)


async def translator_for(update: Update, kefu: Kefu) -> Translator:
    """The language to answer this update in, without creating anything (for error paths)."""
    user = update.effective_user
    telegram_language = language_from_telegram(
        user.language_code if user else None, kefu.config.support.language_default
    )
    chat = update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return kefu.catalogs.for_language(telegram_language)
    async with kefu.db.read_only() as session:
        customer = await customers.get_by_telegram(session, user.id)
    return kefu.catalogs.for_language(customer.language if customer else telegram_language)


def build_handlers() -> list[BaseHandler]:
    return [TypeHandler(Update, attach_customer_language)]
