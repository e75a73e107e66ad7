"""/approve and /decline: staff decide a return or exchange request, whatever the windows said.

The customer saw the policy's verdict when they sent the request; staff may grant an exception
or turn a request down. The decision is recorded on the ticket and told to the customer, in
their language, with the staff member's note if one was given.
"""

from __future__ import annotations

from telegram import Update

from bot.context import KefuContext
from domain.desk import lifecycle
from domain.desk.card import customer_translator
from domain.desk.reach import reach_customer
from handlers.staff.commands import command_text, in_ticket_topic
from handlers.staff.gate import staff_words
from storage.events import Actor


async def _decide(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor, approved: bool
) -> str:
    assert update.effective_message is not None
    t, kefu = staff_words(context), context.kefu
    note = command_text(update.effective_message) or None
    decided = await lifecycle.decide_return(kefu, ticket_id, actor, approved=approved, note=note)
    if decided.refused == "type":
        return t.t("Only return and exchange requests are approved or declined.")
    if decided.ticket is None:
        return t.t("This ticket is not open: reopen it first.")
    customer, number = decided.ticket.customer, decided.ticket.number
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
    sent = await reach_customer(
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
