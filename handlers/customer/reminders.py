"""A reminder's "Stop these reminders": honoured at once, for reminders of that kind.

Registered in the answers group, so it works in the middle of a guided flow; the update ends
here (`ApplicationHandlerStop`). Callback data can be forged: only the reminder's own customer
may stop it. The reminder's other button, the pre-filled request, is the repair flow's
(`handlers.customer.repair`).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler

from bot.context import KefuContext
from domain.care.reminder_buttons import STOP_PATTERN, ReminderButton
from domain.care.reminders import stopped_text
from handlers.common.answers import answer
from handlers.common.edits import edit_pressed
from storage import reminders


async def stop_reminders(update: Update, context: KefuContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    button = ReminderButton.parse(query.data)
    async with context.kefu.db.unit_of_work() as session:
        found = None if button is None else await reminders.reminder(session, button.recipient_id)
        if found is None or found.ticket.customer.telegram_id != user.id:
            found = None
        else:
            await reminders.stop(
                session, found.ticket.customer, found.kind, now=context.kefu.clock.now()
            )
    if found is None:
        await answer(update, context, context.t.t("This button is no longer valid."))
        raise ApplicationHandlerStop
    done = stopped_text(context.t, found.kind)
    await answer(update, context, done)
    await edit_pressed(update, context)  # the buttons go: the choice is made
    assert update.effective_chat is not None
    await update.effective_chat.send_message(done)
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(stop_reminders, pattern=STOP_PATTERN)]
