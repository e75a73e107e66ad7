"""Sending to a customer who may have blocked the bot: a refusal marks them unreachable."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden

from bot.services import Kefu
from storage import customers

T = TypeVar("T")


async def reach_customer(
    kefu: Kefu, customer_id: int, send: Callable[[], Awaitable[T]]
) -> T | None:
    """Send to a customer; None (and the customer marked unreachable) if Telegram refuses."""
    try:
        return await send()
    except (Forbidden, BadRequest) as error:
        if isinstance(error, BadRequest) and "chat not found" not in error.message.lower():
            raise
        async with kefu.db.unit_of_work() as session:
            customer = await customers.get(session, customer_id)
            if customer is not None:
                await customers.mark_unreachable(session, customer, now=kefu.clock.now())
        return None
