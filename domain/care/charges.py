"""Parts and labour staff charge on a ticket (`/charge 120 filter set`), as its service record
shows them.

A charge is a ticket event (`EventKind.CHARGE`): what it is for as its text, and
`{"amount": "120.00", "currency": "CNY", "free": bool}` as its data. Whether it is free is
decided when it is entered, from the ticket's warranty: inside the warranty the customer pays
nothing; outside it (or when the warranty is unknown) the amount is a quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from bot.services import Kefu
from storage import events, tickets
from storage.enums import EventKind, Warranty
from storage.events import Actor
from storage.models import TicketEvent

MAX_AMOUNT = Decimal("1000000")  # a typo's extra zeros, not a real charge for a repair
WHAT_LIMIT = 100  # characters: one line of the service record
_AMOUNT = re.compile(r"[0-9]{1,7}(?:\.[0-9]{1,2})?")
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Charge:
    what: str
    amount: Decimal
    currency: str
    free: bool  # inside the warranty: the customer pays nothing

    @property
    def shown_amount(self) -> str:
        return f"{self.amount.quantize(CENTS)}"


@dataclass(frozen=True)
class ChargeRequest:
    """What staff typed after /charge, checked."""

    amount: Decimal
    what: str


def parse_amount(raw: str) -> Decimal | None:
    """A positive amount with at most two decimals, up to MAX_AMOUNT; None for anything else
    (signs, exponents, thousands separators, "NaN")."""
    if not _AMOUNT.fullmatch(raw):
        return None
    amount = Decimal(raw)
    return amount.quantize(CENTS) if 0 < amount <= MAX_AMOUNT else None


def parse_charge(typed: str) -> ChargeRequest | None:
    """`<amount> <what it is for>`; None unless both are there and fit."""
    raw_amount, _, what = typed.strip().partition(" ")
    amount = parse_amount(raw_amount)
    what = " ".join(what.split())
    if amount is None or not what or len(what) > WHAT_LIMIT:
        return None
    return ChargeRequest(amount, what)


async def record_charge(
    kefu: Kefu, ticket_id: int, actor: Actor, request: ChargeRequest
) -> Charge | None:
    """The charge on the ticket's record; None unless the ticket is still being worked on (a
    resolved ticket's record has gone out already)."""
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None or not ticket.status.is_active:
            return None
        charge = Charge(
            request.what,
            request.amount,
            kefu.config.care.currency,
            free=ticket.warranty == Warranty.IN_WARRANTY,
        )
        await events.append(
            session,
            ticket,
            EventKind.CHARGE,
            actor,
            now=kefu.clock.now(),
            text=charge.what,
            data={"amount": charge.shown_amount, "currency": charge.currency, "free": charge.free},
        )
        return charge


def charges_in(history: Iterable[TicketEvent]) -> list[Charge]:
    """The charges on a ticket's record, oldest first."""
    return [
        Charge(
            event.text or "",  # erased with the ticket's personal data
            Decimal(event.data["amount"]),
            event.data["currency"],
            free=bool(event.data.get("free")),
        )
        for event in history
        if event.kind == EventKind.CHARGE
    ]
