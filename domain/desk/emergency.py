"""Emergencies: dispatch at once, report the result, analyse the cause.

`raise_emergency` is the one way a ticket becomes an emergency, whoever asks: the customer's
button on the repair flow, `/emergency` in the ticket's topic, an automation rule. In the
caller's transaction it stamps `tickets.emergency_at` (from then on the timers follow
`[sla.emergency]`, counted from that moment: `domain.sla.tracking`), records the event, and
claims the alert (`sla_alerts`, timer "emergency"), so the alert survives a crash and the SLA
scanner delivers it exactly as it delivers breaches (`domain.desk.emergency_alerts`). Resolving
an emergency claims one more alert in the resolving transaction: the question for its cause and
prevention, which staff answer with `/cause` and `/prevent`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.business_config import EmergencyConfig, StaffRef
from bot.services import Kefu
from storage import events, tickets
from storage import sla as alerts_store
from storage.enums import EventKind, Priority
from storage.events import Actor
from storage.models import Ticket

TIMER = "emergency"  # `sla_alerts.timer` of an emergency's alerts
RAISED, ASK_CAUSE = "raised", "cause"  # their levels
TEXT_LIMIT = 500  # a cause or a measure: the card shows both, within Telegram's 4096


class Note(StrEnum):
    CAUSE = "cause"
    PREVENTION = "prevention"


class Noted(StrEnum):
    RECORDED = "recorded"
    NOT_EMERGENCY = "not_emergency"
    NO_TICKET = "no_ticket"


async def raise_emergency(
    kefu: Kefu, session: AsyncSession, ticket: Ticket, *, actor: Actor, now: datetime
) -> bool:
    """Make `ticket` (loaded for update in the caller's unit of work) an emergency; False if it
    already is one or is no longer active (a resolved ticket is reopened by a message, not by
    an alarm). The alert goes out when the caller's transaction has committed: at the next
    SLA scan, or at once after `domain.sla.alerts.deliver_soon`."""
    del kefu  # the policy and the rota are read when the timers and the alert need them
    if ticket.emergency_at is not None or not ticket.status.is_active:
        return False
    ticket.emergency_at = now
    if ticket.priority != Priority.URGENT:
        await tickets.set_priority(session, ticket, Priority.URGENT, actor=actor, now=now)
    await events.append(
        session, ticket, EventKind.EMERGENCY, actor, now=now, data={"what": "raised"}
    )
    await alerts_store.claim(
        session,
        ticket.id,
        (TIMER, RAISED, 1),
        due_at=now,
        alert_at=now,
        status=alerts_store.AlertStatus.PENDING,
        now=now,
    )
    return True


@dataclass(frozen=True)
class Raised:
    raised: bool
    already: bool = False  # it was an emergency before
    number: str = ""


async def mark_emergency(kefu: Kefu, ticket_id: int, *, actor: Actor) -> Raised:
    """`raise_emergency` in a unit of work of its own (staff's `/emergency`)."""
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None:
            return Raised(False)
        if ticket.emergency_at is not None:
            return Raised(False, already=True, number=ticket.number)
        raised = await raise_emergency(kefu, session, ticket, actor=actor, now=kefu.clock.now())
        return Raised(raised, number=ticket.number)


async def ask_for_cause(session: AsyncSession, ticket: Ticket, *, now: datetime) -> None:
    """In the resolving transaction: claim the request for the cause and prevention (once per
    ticket, and only while one of them is missing)."""
    if ticket.emergency_at is None or not needs_analysis(ticket):
        return
    await alerts_store.claim(
        session,
        ticket.id,
        (TIMER, ASK_CAUSE, 1),
        due_at=now,
        alert_at=now,
        status=alerts_store.AlertStatus.PENDING,
        now=now,
    )


def needs_analysis(ticket: Ticket) -> bool:
    return ticket.emergency_cause is None or ticket.emergency_prevention is None


async def record_note(kefu: Kefu, ticket_id: int, actor: Actor, note: Note, text: str) -> Noted:
    """The emergency's cause or preventive measure (a later one replaces it; the history keeps
    both). `text` is checked by the caller (not empty, at most `TEXT_LIMIT`)."""
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None:
            return Noted.NO_TICKET
        if ticket.emergency_at is None:
            return Noted.NOT_EMERGENCY
        if note is Note.CAUSE:
            ticket.emergency_cause = text
        else:
            ticket.emergency_prevention = text
        ticket.updated_at = now
        await events.append(
            session, ticket, EventKind.EMERGENCY, actor, now=now, text=text, data={"what": note}
        )
    return Noted.RECORDED


def on_duty(config: EmergencyConfig, local: datetime) -> list[StaffRef]:
    """Who the rota puts on duty at `local` (business time), in the order written, once each."""
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
    minute = local.hour * 60 + local.minute
    found: list[StaffRef] = []
    for shift in config.rota:
        if day in shift.days and any(start <= minute < end for start, end in shift.hours):
            found += [person for person in shift.staff if person not in found]
    return found
