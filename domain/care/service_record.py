"""The service record a customer receives when their ticket is resolved: what was asked for,
what was done, when, by whom, parts and charges, and the warranty.

It is read from the ticket and its events (`gather`), never stored on its own: the resolution
note is the text of the latest resolving status change, the people are the staff who replied
or resolved, the charges are `EventKind.CHARGE` events. The same words go into the message,
the staff's copy and the PDF (`render`); only the message shortens long texts, to stay within
Telegram's limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.services import Kefu
from domain.care.charges import Charge, charges_in
from domain.care.reminders import missing_purchase_date
from domain.desk.card import product_name, warranty_ends
from domain.desk.wording import type_name, warranty_name
from storage import events, tickets
from storage.enums import ActorKind, EventKind, TicketStatus
from storage.models import Ticket, TicketEvent

# In the message only (Telegram allows 4096 characters): the PDF has everything.
DESCRIPTION_LIMIT = 800
NOTE_LIMIT = 1200
CHARGES_LISTED = 10


@dataclass(frozen=True)
class ServiceRecord:
    ticket: Ticket
    resolution: TicketEvent  # the latest status change to resolved
    staff: tuple[str, ...]  # who replied or resolved, in the order they first did
    charges: tuple[Charge, ...]
    sent: bool  # the customer was sent this resolution's record already

    @property
    def note(self) -> str | None:
        return self.resolution.text

    @property
    def resolved_at(self) -> datetime:
        return self.resolution.created_at


async def gather(session: AsyncSession, ticket_id: int) -> ServiceRecord | None:
    """The record of the ticket's latest resolution; None if it was never resolved."""
    ticket = await tickets.get(session, ticket_id)
    if ticket is None:
        return None
    return from_history(ticket, await events.history(session, ticket.id))


def from_history(ticket: Ticket, history: Sequence[TicketEvent]) -> ServiceRecord | None:
    resolutions = [index for index, event in enumerate(history) if _resolves(event)]
    if not resolutions:
        return None
    resolution = history[resolutions[-1]]
    staff: dict[str, None] = {}  # ordered and without repeats
    for event in history:
        if event.actor_kind == ActorKind.STAFF and (
            (event.kind == EventKind.STAFF_REPLY and event.data.get("delivered") is not False)
            or _resolves(event)
        ):
            staff.setdefault(event.actor_name or str(event.actor_telegram_id), None)
    later = history[resolutions[-1] + 1 :]
    return ServiceRecord(
        ticket=ticket,
        resolution=resolution,
        staff=tuple(staff),
        charges=tuple(charges_in(history)),
        sent=any(event.kind == EventKind.SERVICE_RECORD for event in later),
    )


def _resolves(event: TicketEvent) -> bool:
    return event.kind == EventKind.STATUS_CHANGED and event.data.get("to") == TicketStatus.RESOLVED


def render(kefu: Kefu, t: Translator, record: ServiceRecord, *, whole: bool = False) -> str:
    """The record as Telegram HTML in `t`'s language; `whole` keeps long texts and every
    charge (for the PDF), otherwise they are shortened to fit one message."""
    ticket = record.ticket
    listed = record.charges if whole else record.charges[:CHARGES_LISTED]
    hidden = len(record.charges) - len(listed)
    return t.render(
        "customer_service_record.html.j2",
        number=ticket.number,
        type=type_name(t, ticket.type),
        product=product_name(kefu, t, ticket),
        serial_number=ticket.serial_number,
        warranty=warranty_name(t, ticket.warranty),
        warranty_ends=warranty_ends(kefu, ticket),
        no_reminders=missing_purchase_date(kefu, t, ticket),
        description=_shortened(ticket.description, None if whole else DESCRIPTION_LIMIT),
        note=_shortened(record.note, None if whole else NOTE_LIMIT),
        charges=[(charge.what, _price(t, charge)) for charge in listed],
        more=t.tn("and {n} more charge", "and {n} more charges", hidden) if hidden else "",
        totals=_totals(record.charges),
        opened_at=ticket.created_at,
        answered_at=ticket.first_response_at,
        resolved_at=record.resolved_at,
        people=handled_by(kefu, t, record),
        tz=kefu.timezone,
    )


def handled_by(kefu: Kefu, t: Translator, record: ServiceRecord) -> str:
    """Staff by name, unless the business signs as a team (`[support] reply_signature`)."""
    if kefu.config.support.reply_signature == "team" or not record.staff:
        return t.t("Support team")
    return ", ".join(record.staff)


def _price(t: Translator, charge: Charge) -> str:
    if charge.free:
        return t.t("free (in warranty)")
    return f"{charge.shown_amount} {charge.currency}"


def _totals(charges: Sequence[Charge]) -> list[str]:
    """What the customer is quoted, per currency (the business may have changed its own)."""
    sums: dict[str, Decimal] = {}
    for charge in charges:
        if not charge.free:
            sums[charge.currency] = sums.get(charge.currency, Decimal(0)) + charge.amount
    return [f"{amount:.2f} {currency}" for currency, amount in sums.items()]


def _shortened(text: str | None, limit: int | None) -> str | None:
    if text is None or limit is None or len(text) <= limit:
        return text
    return text[:limit] + "…"
