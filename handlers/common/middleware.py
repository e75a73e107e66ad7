"""Runs before every other handler: who is writing, and in which language to answer."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, TypeHandler

from bot.context import KefuContext
from bot.i18n import Translator, language_from_telegram
from bot.instance import shares_the_database
from bot.services import Kefu
from storage import customers
from storage.enums import Language
from storage.known_customers import KnownCustomer, KnownCustomers


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
    # Usually the customer is known and nothing about them changed: what this instance read
    # before will do (alone on its database, it sees every change: `storage.known_customers`),
    # or else a read, and the write transaction (on SQLite, the database's one write lock) is
    # left to those who need it.
    known = None if shares_the_database(kefu) else kefu.db.known_customers
    customer = known.get(user.id) if known is not None else None
    if customer is None or not customer.is_up_to_date(**profile, wrote=wrote):
        customer = await _read_or_record(kefu, known, user.id, telegram_language, profile, wrote)
    context.customer_id = customer.id
    context.consented = customer.has_consented
    context.translator = kefu.catalogs.for_language(customer.language)


async def _read_or_record(
    kefu: Kefu,
    known: KnownCustomers | None,
    telegram_id: int,
    telegram_language: str,
    profile: dict[str, str | None],
    wrote: bool,
) -> KnownCustomer:
    generation = known.generation if known is not None else 0
    known_row = None
    if known is None:
        # Instances share the database and keep nothing: read first, so that a customer who
        # is known and unchanged (nearly every update) takes no write transaction.
        async with kefu.db.read_only() as session:
            customer = await customers.get_by_telegram(session, telegram_id)
        known_row = KnownCustomer.of(customer) if customer is not None else None
    # Alone on the database, a customer this instance does not hold is a newcomer, or one not
    # seen since it started: straight to the write, which reads the row anyway, and keeps it
    # (once per customer per start, instead of a read and a write for every newcomer).
    if known_row is None or not known_row.is_up_to_date(**profile, wrote=wrote):
        async with kefu.db.unit_of_work() as session:
            customer = await customers.get_or_create_by_telegram(
                session,
                telegram_id,
                language=Language(telegram_language),
                now=kefu.clock.now(),
                **profile,
            )
            if wrote:
                await customers.mark_reachable(session, customer, now=kefu.clock.now())
            # Kept as committed, when this instance may keep it (`Database.keep_when_committed`).
            kefu.db.keep_when_committed(session, telegram_id)
        return KnownCustomer.of(customer)
    if known is not None:
        known.keep(known_row, read_in_generation=generation)
    return known_row


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
