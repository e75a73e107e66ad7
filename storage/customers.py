"""Customers: who wrote to the bot, their language, consent and reachability.

Privacy rule, enforced here: before consent a customer row holds only operational data
(Telegram id, language, timestamps). Names, username, phone and email are written only while
`consent_at` is set, and are erased when the customer declines.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects, erasure
from storage.enums import Language
from storage.models import Customer


class ConsentRequired(Exception):
    """Personal data was offered for a customer who has not consented to its storage."""


async def get(session: AsyncSession, customer_id: int) -> Customer | None:
    return await session.get(Customer, customer_id)


async def get_by_telegram(session: AsyncSession, telegram_id: int) -> Customer | None:
    return await session.scalar(select(Customer).where(Customer.telegram_id == telegram_id))


async def get_or_create_by_telegram(
    session: AsyncSession,
    telegram_id: int,
    *,
    now: datetime,
    language: Language = Language.EN,
    first_name: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
) -> Customer:
    """The customer for a Telegram user, created on first contact.

    `language` applies only to a new customer (a chosen language is kept). Pass the profile
    Telegram sent: it is stored or refreshed only if the customer has consented, and only when
    `first_name` is given (Telegram always sends one, so None means "no profile at hand").
    Safe when two updates from the same new user race: the loser reads the winner's row.
    """
    customer = await get_by_telegram(session, telegram_id)
    if customer is None:
        # The new row comes back from the insert itself: no second read for a newcomer.
        customer = await session.scalar(
            dialects.insert(session, Customer)
            .values(telegram_id=telegram_id, language=language, created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=[Customer.telegram_id])
            .returning(Customer)
        )
    if customer is None:  # another update of theirs created it first: nothing came back
        customer = await get_by_telegram(session, telegram_id)
        assert customer is not None
    if customer.has_consented and first_name is not None:
        _store_profile(customer, first_name, last_name, username, now)
    return customer


async def set_language(
    session: AsyncSession, customer: Customer, language: Language, *, now: datetime
) -> None:
    customer.language = language
    customer.updated_at = now


async def record_consent(
    session: AsyncSession,
    customer: Customer,
    *,
    now: datetime,
    first_name: str | None = None,
    last_name: str | None = None,
    username: str | None = None,
) -> None:
    """The customer accepted the privacy notice; keep the profile Telegram sent."""
    customer.consent_at = now
    customer.declined_privacy_at = None
    if first_name is not None:
        _store_profile(customer, first_name, last_name, username, now)
    customer.updated_at = now


async def record_decline(session: AsyncSession, customer: Customer, *, now: datetime) -> None:
    """The customer declined (or withdrew) consent: no profile is kept from now on.

    Only the profile fields go here; `storage.erasure` erases everything else they gave us.
    """
    customer.consent_at = None
    customer.declined_privacy_at = now
    erasure.erase_profile(customer, now=now)
    customer.updated_at = now


async def set_contact(
    session: AsyncSession,
    customer: Customer,
    *,
    now: datetime,
    phone: str | None = None,
    email: str | None = None,
) -> None:
    """Store a phone number and/or e-mail address; raises `ConsentRequired` without consent."""
    if not customer.has_consented:
        raise ConsentRequired(f"customer {customer.id} has not consented to personal data")
    if phone is not None:
        customer.phone = phone
    if email is not None:
        customer.email = email
    customer.updated_at = now


async def mark_unreachable(session: AsyncSession, customer: Customer, *, now: datetime) -> None:
    """Telegram refused delivery for good (bot blocked, account deleted)."""
    if customer.unreachable_at is None:
        customer.unreachable_at = now
        customer.updated_at = now


async def mark_reachable(session: AsyncSession, customer: Customer, *, now: datetime) -> None:
    """The customer wrote again, so the bot can reach them."""
    if customer.unreachable_at is not None:
        customer.unreachable_at = None
        customer.updated_at = now


async def set_campaigns_opt_out(
    session: AsyncSession, customer: Customer, opted_out: bool, *, now: datetime
) -> None:
    customer.campaigns_opt_out_at = now if opted_out else None
    customer.updated_at = now


def _store_profile(
    customer: Customer,
    first_name: str,
    last_name: str | None,
    username: str | None,
    now: datetime,
) -> None:
    profile = (first_name, last_name, username)
    if profile != (customer.first_name, customer.last_name, customer.username):
        customer.first_name, customer.last_name, customer.username = profile
        customer.updated_at = now
