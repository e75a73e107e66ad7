"""A customer's profile: how Kefu addresses them, their phone and address, the products they own,
and when they last said it is all correct.

Personal data, so every write needs the customer's consent (`ConsentRequired`, as
`storage.customers` enforces for the names); `storage.erasure` clears it all.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.customers import ConsentRequired
from storage.models import Customer
from storage.profile_models import CustomerProduct

MAX_PRODUCTS = 20  # offered as buttons: a customer with more keeps the newest


def _consented(customer: Customer) -> None:
    if not customer.has_consented:
        raise ConsentRequired(f"customer {customer.id} has not consented to personal data")


def name_of(customer: Customer) -> str | None:
    """The name Kefu addresses the customer by: theirs if they gave one, else Telegram's."""
    return customer.display_name or customer.first_name


async def set_display_name(
    session: AsyncSession, customer: Customer, name: str, *, now: datetime
) -> None:
    _consented(customer)
    customer.display_name = name
    customer.updated_at = now


async def set_address(
    session: AsyncSession, customer: Customer, address: str, *, now: datetime
) -> None:
    _consented(customer)
    customer.address = address
    customer.updated_at = now


async def confirm(session: AsyncSession, customer: Customer, *, now: datetime) -> None:
    """The customer said their profile is correct."""
    _consented(customer)
    customer.profile_confirmed_at = now
    customer.updated_at = now


async def products_of(
    session: AsyncSession, customer_id: int, *, limit: int | None = MAX_PRODUCTS
) -> list[CustomerProduct]:
    """The customer's products, the one given or used last first (None: all of them)."""
    query = (
        select(CustomerProduct)
        .where(CustomerProduct.customer_id == customer_id)
        .order_by(CustomerProduct.updated_at.desc(), CustomerProduct.id.desc())
    )
    return list(await session.scalars(query if limit is None else query.limit(limit)))


async def product_of(
    session: AsyncSession, customer_id: int, product_row_id: int
) -> CustomerProduct | None:
    """The customer's own product by its row id; None if it is someone else's or gone (a
    button's id can be forged or stale)."""
    found = await session.get(CustomerProduct, product_row_id)
    return found if found is not None and found.customer_id == customer_id else None


async def remember_product(
    session: AsyncSession,
    customer: Customer,
    *,
    product_id: str | None,
    serial_number: str | None,
    purchase_date: date | None,
    now: datetime,
) -> CustomerProduct:
    """Keep the product given in a request; the same product and number again is the same row
    (its purchase date updated, and offered first)."""
    _consented(customer)
    found = await session.scalar(
        select(CustomerProduct).where(
            CustomerProduct.customer_id == customer.id,
            CustomerProduct.product_id.is_(None)
            if product_id is None
            else CustomerProduct.product_id == product_id,
            CustomerProduct.serial_number == serial_number,
        )
    )
    if found is None:
        found = CustomerProduct(
            customer_id=customer.id,
            product_id=product_id,
            serial_number=serial_number,
            created_at=now,
        )
        session.add(found)
    if purchase_date is not None:
        found.purchase_date = purchase_date
    found.updated_at = now
    await session.flush()
    return found


async def remove_product(session: AsyncSession, customer_id: int, product_row_id: int) -> bool:
    """False if it was not the customer's, or gone already."""
    result = await session.execute(
        delete(CustomerProduct).where(
            CustomerProduct.id == product_row_id, CustomerProduct.customer_id == customer_id
        )
    )
    return bool(result.rowcount)
