"""The yearly check's "Yes, still correct": the presser's own profile is stamped confirmed.

Registered in the answers group, so it works in the middle of a guided flow; the update ends
here (`ApplicationHandlerStop`). The button carries no id: it can only ever confirm the profile
of whoever presses it, and only while they have consented (a forged or an old press after a
withdrawal is refused).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler

from bot.context import KefuContext
from domain.profiles.buttons import YES_PATTERN
from handlers.common.answers import answer
from handlers.common.edits import edit_pressed
from storage import customers, profiles


async def still_correct(update: Update, context: KefuContext) -> None:
    kefu = context.kefu
    confirmed = False
    if context.customer_id is not None and context.consented:
        async with kefu.db.unit_of_work() as session:
            customer = await customers.get(session, context.customer_id)
            if customer is not None and customer.has_consented:
                await profiles.confirm(session, customer, now=kefu.clock.now())
                confirmed = True
    if not confirmed:
        await answer(update, context, context.t.t("This button is no longer valid."))
        raise ApplicationHandlerStop
    done = context.t.t("Thank you: your profile is confirmed.")
    await answer(update, context, done)
    await edit_pressed(update, context)  # the buttons go: the choice is made
    assert update.effective_chat is not None
    await update.effective_chat.send_message(done)
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(still_correct, pattern=YES_PATTERN)]
