"""Erasure on request: `/forget`, or consent withdrawn in `/privacy`.

`erase` is one unit of work: every personal value goes (`storage.erasure`), the customer's
tickets that were still going are closed (they cannot be served without the details), the
step is written to the consent history and consent ends. `tell_staff` follows the commit, as
every Telegram call does (RELIABILITY.md), after the customer has been told: renaming topics
and editing cards under the staff group's flood limits can take a while, and whatever a crash
leaves untold is queued in the tickets' rows for `domain.desk.jobs`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import Bot
from telegram.error import TelegramError

from bot.services import Kefu
from domain.desk import lifecycle, topics
from storage import consent, customers, erasure, tickets
from storage.enums import TicketStatus
from storage.erasure import Erased
from storage.events import Actor
from storage.models import Ticket

logger = logging.getLogger("kefu.privacy")


@dataclass
class Erasure:
    erased: Erased
    closed: list[Ticket]  # closed by the erasure: their topics are closed too


async def erase(
    kefu: Kefu, customer_id: int, *, withdrawn: bool, current_update_id: int | None = None
) -> Erasure:
    """Erase everything personal about the customer; `withdrawn`: consent withdrawn in
    /privacy (otherwise /forget). Either way consent ends: nothing is collected until they
    accept again."""
    now = kefu.clock.now()
    closed: list[Ticket] = []
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, customer_id)
        assert customer is not None
        for ticket in await tickets.for_customer(session, customer_id):
            if ticket.status != TicketStatus.CLOSED:
                await tickets.set_status(
                    session, ticket, TicketStatus.CLOSED, actor=Actor.system(), now=now
                )
                closed.append(ticket)
        erased = await erasure.erase_customer(
            session, customer, by="customer", now=now, current_update_id=current_update_id
        )
        kind = (
            consent.Kind.WITHDRAWN if withdrawn and customer.has_consented else consent.Kind.ERASED
        )
        await customers.record_decline(session, customer, now=now)
        await consent.record(session, customer_id, kind, now=now)
    logger.info(
        "personal data erased on request",
        extra={"fields": {"customer": customer_id, "tickets": len(erased.tickets)}},
    )
    return Erasure(erased, closed)


async def tell_staff(bot: Bot, kefu: Kefu, done: Erasure) -> None:
    """Each topic renamed, its card edited and staff told; the topics of the tickets the
    erasure closed are closed."""
    await topics.show_erased(bot, kefu, done.erased.tickets)
    for ticket in done.closed:
        try:
            await lifecycle.close_topic(bot, ticket)
        except TelegramError as error:
            logger.warning("could not close the topic of ticket %s: %s", ticket.id, error)
