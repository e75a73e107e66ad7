"""The rules at work: each event marked as a trigger is evaluated once, in one transaction that
records which rules fired, takes their actions on the ticket and queues what they send.

A rule acts once per trigger and ticket (`storage.automation.fire`); every change it makes is
in the ticket's history as done by "automation: <rule id>". What reaches Telegram (a template to
the customer, a note in the topic, a notice to a chat) is queued here and sent after the commit
(`domain.automation.sends`), so nothing is sent for a change that did not commit, and a crash
before the send leaves it queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Kefu
from domain.automation.conditions import Moment, holds
from domain.automation.config import Rule
from domain.automation.triggers import trigger_of
from domain.desk.emergency import raise_emergency
from storage import automation, customer_notes, events, tickets
from storage.enums import ActorKind, EventKind
from storage.events import Actor
from storage.models import Ticket, TicketEvent

BATCH = 50  # events evaluated per scan; the rest wait for the next one
AUTOMATION_ID = 0  # who added a tag, where a Telegram id is asked for: no person did


def actor_of(rule: Rule) -> Actor:
    return actor_of_id(rule.id)


def actor_of_id(rule_id: str) -> Actor:
    """Who the history says acted: "automation: <rule id>"."""
    return Actor(ActorKind.SYSTEM, None, f"automation: {rule_id}")


@dataclass
class Fired:
    rules: int = 0  # rules that acted
    emergencies: int = 0  # tickets they made emergencies (whose alerts should go at once)


async def evaluate_due(kefu: Kefu) -> Fired:
    """Evaluate the events waiting for the rules, oldest first."""
    fired = Fired()
    for _ in range(BATCH):
        async with kefu.db.unit_of_work() as session:
            event = await automation.next_due_event(session)
            if event is None:
                break
            await _evaluate(kefu, session, event, fired)
            automation.looked_at(event)
    return fired


async def _evaluate(kefu: Kefu, session: AsyncSession, event: TicketEvent, fired: Fired) -> None:
    trigger = trigger_of(event, low_score=kefu.config.surveys.low_score_threshold)
    ticket = await tickets.get(session, event.ticket_id, for_update=True)
    if trigger is None or ticket is None:
        return
    now, words = kefu.clock.now(), _words(event, ticket)
    for rule in kefu.config.automation.for_trigger(trigger):
        # Read for each rule: an earlier rule may have tagged the customer.
        moment = Moment(ticket, words, event.created_at, await _tags(session, ticket))
        if not holds(rule.when, moment, kefu.calendar):
            continue
        if not await automation.fire(
            session,
            ticket_id=ticket.id,
            rule_id=rule.id,
            trigger=trigger.value,
            event_id=event.id,
            now=now,
        ):
            continue
        await _act(kefu, session, rule, ticket, now, fired)
        fired.rules += 1


def _words(event: TicketEvent, ticket: Ticket) -> str | None:
    if event.kind == EventKind.CREATED:
        return event.text or ticket.description
    return event.text


async def _tags(session: AsyncSession, ticket: Ticket) -> frozenset[str]:
    return frozenset(tag.tag for tag in await customer_notes.tags_of(session, ticket.customer_id))


async def _act(
    kefu: Kefu, session: AsyncSession, rule: Rule, ticket: Ticket, now: datetime, fired: Fired
) -> None:
    """The rule's actions on the ticket, in the order a reader expects them."""
    then, actor = rule.then, actor_of(rule)
    if then.priority is not None:
        await tickets.set_priority(session, ticket, then.priority, actor=actor, now=now)
    if then.assign is not None:
        await tickets.assign(
            session,
            ticket,
            assignee_telegram_id=then.assign.id,
            assignee_name=then.assign.name,
            actor=actor,
            now=now,
        )
    if then.tag is not None and await customer_notes.add_tag(
        session,
        ticket.customer_id,
        then.tag,
        by_telegram_id=AUTOMATION_ID,
        by_name=actor.name,
        now=now,
    ):
        # The tag is the customer's; the ticket's history says which rule put it there.
        await events.append(
            session, ticket, EventKind.DETAILS_CHANGED, actor, now=now, data={"tag": then.tag}
        )
    if then.emergency:
        fired.emergencies += await raise_emergency(kefu, session, ticket, actor=actor, now=now)
    if then.note is not None:
        await events.append(
            session, ticket, EventKind.INTERNAL_NOTE, actor, now=now, text=then.note
        )
        _queue(session, rule, ticket, "note", {"note": then.note}, now)
    if then.template is not None:
        _queue(session, rule, ticket, "template", {"template": then.template}, now)
    if then.notify_chat is not None:
        _queue(session, rule, ticket, "notify", {"chat_id": then.notify_chat}, now)


def _queue(
    session: AsyncSession,
    rule: Rule,
    ticket: Ticket,
    action: str,
    payload: dict[str, object],
    now: datetime,
) -> None:
    automation.queue_send(
        session, ticket_id=ticket.id, rule_id=rule.id, action=action, payload=payload, now=now
    )
