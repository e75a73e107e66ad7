"""/approve and /decline: staff decide a return or exchange request, whatever the windows said.

The customer saw the policy's verdict when they sent the request; staff may grant an exception
or turn a request down. The decision is recorded on the ticket and told to the customer, in
their language, with the staff member's note if one was given.
"""

from __future__ import annotations

from telegram import Update

from bot import desk
from bot.context import KefuContext
from bot.desk_card import customer_translator
from handlers.staff_access import staff_words
from handlers.staff_commands import command_text, in_ticket_topic, locked_ticket
from storage import tickets
from storage.enums import TicketType
from storage.events import Actor

DECIDABLE = {TicketType.RETURN, TicketType.EXCHANGE}


async def _decide(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor, approved: bool
) -> str:
    assert update.effective_message is not None
    t, kefu = staff_words(context), context.kefu
    note = command_text(update.effective_message) or None
    async with locked_ticket(context, ticket_id) as (session, ticket):
        if ticket.type not in DECIDABLE:
            return t.t("Only return and exchange requests are approved or declined.")
        if not ticket.status.is_active:
            return t.t("This ticket is not open: reopen it first.")
        decision = {
            "eligible": approved,
            "decision": "approved" if approved else "declined",
            "decided_by": actor.name,
            "decision_note": note,
        }
        await tickets.update_details(session, ticket, decision, actor=actor, now=kefu.clock.now())
        customer, number = ticket.customer, ticket.number
    words = customer_translator(kefu, customer)
    if approved:
        text = words.t(
            "Good news: your request {number} has been approved. We will tell you the next "
            "steps here.",
            number=number,
        )
    else:
        text = words.t(
            "We are sorry: your request {number} cannot be accepted under our return policy. "
            "Write here if you have any questions.",
            number=number,
        )
    if note:
        text = f"{text}\n\n{words.t('Note from our team: {note}', note=note)}"
    sent = await desk.reach_customer(
        kefu, customer.id, lambda: context.bot.send_message(customer.telegram_id, text)
    )
    if sent is None:
        return t.t(
            "Decision recorded, but the customer could not be told: they cannot be reached."
        )
    if approved:
        return t.t("Approved by {name}; the customer has been told.", name=actor.name)
    return t.t("Declined by {name}; the customer has been told.", name=actor.name)


@in_ticket_topic
async def approve(update: Update, context: KefuContext, ticket_id: int, actor: Actor) -> str:
    return await _decide(update, context, ticket_id, actor, approved=True)


@in_ticket_topic
async def decline(update: Update, context: KefuContext, ticket_id: int, actor: Actor) -> str:
    return await _decide(update, context, ticket_id, actor, approved=False)
