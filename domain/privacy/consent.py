"""A customer accepts or declines the privacy notice: what Kefu may keep follows from it."""

from __future__ import annotations

from bot.services import Kefu
from storage import customers


async def accept(
    kefu: Kefu,
    customer_id: int,
    *,
    first_name: str | None,
    last_name: str | None,
    username: str | None,
) -> None:
    """Consent recorded; from now on the customer's name is kept."""
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        await customers.record_consent(
            session,
            customer,
            now=kefu.clock.now(),
            first_name=first_name,
            last_name=last_name,
            username=username,
        )


async def decline(kefu: Kefu, customer_id: int) -> None:
    """Consent declined or withdrawn; the repository erases what it held."""
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        await customers.record_decline(session, customer, now=kefu.clock.now())
