"""/emergency, /cause and /prevent in a ticket's topic (`domain.desk.emergency`).

/emergency raises the alarm (the same function the customer's button and automation rules
use) and nudges the SLA scanner to send it at once; /cause and /prevent record what staff found
out, for the ticket's record, its card and the reports.
"""

from __future__ import annotations

from telegram import Update

from bot.context import KefuContext
from domain.desk import emergency
from domain.desk.emergency import TEXT_LIMIT, Note, Noted
from domain.sla.alerts import deliver_soon
from handlers.staff.commands import command_text, in_ticket_topic
from handlers.staff.gate import staff_words
from storage.events import Actor


@in_ticket_topic
async def emergency_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    t = staff_words(context)
    raised = await emergency.mark_emergency(context.kefu, ticket_id, actor=actor)
    if raised.already:
        return t.t("This ticket already is an emergency.")
    if not raised.raised:
        return t.t("This ticket is not open: only an open ticket can become an emergency.")
    deliver_soon(context.job_queue)
    return t.t(
        "Emergency raised by {name}: the on-duty staff, the escalation chat and the customer "
        "are being alerted.",
        name=actor.name,
    )


@in_ticket_topic
async def cause_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    return await _note(update, context, ticket_id, actor, Note.CAUSE)


@in_ticket_topic
async def prevent_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    return await _note(update, context, ticket_id, actor, Note.PREVENTION)


async def _note(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor, note: Note
) -> str:
    assert update.effective_message is not None
    t = staff_words(context)
    text = command_text(update.effective_message)
    if not text:
        if note is Note.CAUSE:
            return t.t("Usage: /cause followed by what caused the emergency.")
        return t.t("Usage: /prevent followed by what will keep it from happening again.")
    if len(text) > TEXT_LIMIT:
        return t.t(
            "That is {length} characters: please keep it under {limit}. Nothing was saved.",
            length=len(text),
            limit=TEXT_LIMIT,
        )
    outcome = await emergency.record_note(context.kefu, ticket_id, actor, note, text)
    if outcome is Noted.NOT_EMERGENCY:
        return t.t(
            "This ticket is not an emergency: /cause and /prevent are for emergencies "
            "(raise one with /emergency)."
        )
    if note is Note.CAUSE:
        return t.t("Cause recorded by {name}.", name=actor.name)
    return t.t("Preventive measure recorded by {name}.", name=actor.name)
