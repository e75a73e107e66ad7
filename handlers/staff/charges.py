"""/charge 120 filter set: parts or labour on the ticket of the topic, for its service record.

Free inside the warranty, a quote outside it (`domain.care.charges`); the customer sees the
charges in the service record they receive when the ticket is resolved.
"""

from __future__ import annotations

from telegram import Update

from bot.context import KefuContext
from domain.care.charges import MAX_AMOUNT, WHAT_LIMIT, parse_charge, record_charge
from handlers.staff.commands import command_text, in_ticket_topic
from handlers.staff.gate import staff_words
from storage.events import Actor


@in_ticket_topic
async def charge_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    assert update.effective_message is not None
    t = staff_words(context)
    currency = context.kefu.config.care.currency
    request = parse_charge(command_text(update.effective_message))
    if request is None:
        return t.t(
            "Usage: /charge amount what-for, for example /charge 120.00 filter set. The amount "
            "is a number above 0 with at most two decimals, up to {max} {currency}; what it is "
            "for takes at most {limit} characters.",
            max=MAX_AMOUNT,
            currency=currency,
            limit=WHAT_LIMIT,
        )
    charge = await record_charge(context.kefu, ticket_id, actor, request)
    if charge is None:
        return t.t(
            "This ticket is not open: charges go on its service record before it is resolved."
        )
    if charge.free:
        return t.t(
            "Charge recorded: {what}, {amount} {currency}. The ticket is in warranty, so the "
            "customer's service record shows it as free.",
            what=charge.what,
            amount=charge.shown_amount,
            currency=charge.currency,
        )
    return t.t(
        "Charge recorded: {what}, {amount} {currency}. The ticket is not in warranty, so the "
        "customer's service record quotes this amount.",
        what=charge.what,
        amount=charge.shown_amount,
        currency=charge.currency,
    )
