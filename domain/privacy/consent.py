"""A customer accepts or declines the privacy notice: what Kefu may keep follows from it.

Withdrawing a consent given earlier is an erasure (`domain.privacy.erasure`), not a decline.
Each step is written to the consent history, which `/mydata` shows and which proves that
consent came before collection.
"""

from __future__ import annotations

from bot.services import Kefu
from storage import consent, customers


async def accept(
    kefu: Kefu,
    customer_id: int,
    *,
    first_name: str | None,
    last_name: str | None,
    username: str | None,
) -> None:
    """Consent recorded; from now on the customer's name is kept."""
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        await customers.record_consent(
            session,
            customer,
            now=now,
            first_name=first_name,
            last_name=last_name,
            username=username,
        )
        await consent.record(session, customer_id, consent.Kind.ACCEPTED, now=now)


async def decline(kefu: Kefu, customer_id: int) -> None:
    """Consent declined at the notice: nothing personal was kept, and nothing will be."""
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        await customers.record_decline(session, customer, now=now)
        await consent.record(session, customer_id, consent.Kind.DECLINED, now=now)
