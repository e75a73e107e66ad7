"""Automation rules' bookkeeping: the events waiting for them, what each rule did once, and the
messages its actions send (see `storage.automation_models`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.automation_models import AutomationFiring, AutomationSend
from storage.models import TicketEvent


async def any_due(session: AsyncSession, *, now: datetime) -> bool:
    """Whether an event waits for the rules or a send is due (one probe of each index)."""
    event = await session.scalar(
        select(TicketEvent.id).where(TicketEvent.automation_due_at.is_not(None)).limit(1)
    )
    if event is not None:
        return True
    send = await session.scalar(
        select(AutomationSend.id).where(AutomationSend.due_at <= now).limit(1)
    )
    return send is not None


async def next_due_event(session: AsyncSession) -> TicketEvent | None:
    """The oldest event waiting for the rules, locked (another instance takes the next)."""
    return await session.scalar(
        select(TicketEvent)
        .where(TicketEvent.automation_due_at.is_not(None))
        .order_by(TicketEvent.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def looked_at(event: TicketEvent) -> None:
    event.automation_due_at = None


async def fire(
    session: AsyncSession,
    *,
    ticket_id: int,
    rule_id: str,
    trigger: str,
    event_id: int,
    now: datetime,
) -> bool:
    """Record that the rule acts on the ticket for this trigger; False if it did already.

    The trigger's event is locked by whoever evaluates it, so no two sessions get here for the
    same event; the unique key still stops a second firing from a later event."""
    done = await session.scalar(
        select(AutomationFiring.id).where(
            AutomationFiring.ticket_id == ticket_id,
            AutomationFiring.rule_id == rule_id,
            AutomationFiring.trigger == trigger,
        )
    )
    if done is not None:
        return False
    session.add(
        AutomationFiring(
            ticket_id=ticket_id, rule_id=rule_id, trigger=trigger, event_id=event_id, fired_at=now
        )
    )
    await session.flush()
    return True


async def fired(session: AsyncSession, ticket_id: int) -> list[AutomationFiring]:
    rows = await session.scalars(
        select(AutomationFiring)
        .where(AutomationFiring.ticket_id == ticket_id)
        .order_by(AutomationFiring.id)
    )
    return list(rows)


def queue_send(
    session: AsyncSession,
    *,
    ticket_id: int,
    rule_id: str,
    action: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    session.add(
        AutomationSend(
            ticket_id=ticket_id,
            rule_id=rule_id,
            action=action,
            payload=payload,
            created_at=now,
            due_at=now,
        )
    )


async def claim_sends(
    session: AsyncSession, *, now: datetime, lease: timedelta, limit: int
) -> list[AutomationSend]:
    """Due sends, leased to the caller until `now + lease`: a sender that dies leaves them to
    be claimed again when the lease ends."""
    rows = list(
        await session.scalars(
            select(AutomationSend)
            .where(AutomationSend.due_at <= now)
            .order_by(AutomationSend.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for send in rows:
        send.due_at = now + lease
        send.attempts += 1
    return rows


async def sent(session: AsyncSession, send_id: int, *, now: datetime) -> None:
    await session.execute(
        update(AutomationSend).where(AutomationSend.id == send_id).values(due_at=None, sent_at=now)
    )


async def wait_for_topic(session: AsyncSession, send_id: int, *, until: datetime) -> None:
    """Due again at `until`: what it posts goes into a topic not opened yet. Waiting is no
    failed attempt, so the attempt just counted is given back."""
    await session.execute(
        update(AutomationSend)
        .where(AutomationSend.id == send_id)
        .values(due_at=until, attempts=AutomationSend.attempts - 1)
    )


async def given_up(session: AsyncSession, send_id: int) -> None:
    await session.execute(
        update(AutomationSend).where(AutomationSend.id == send_id).values(due_at=None)
    )
