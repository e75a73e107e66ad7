"""Customers register for a care or training event, and cancel, with the buttons of its
announcement, confirmation and reminder.

Registered in the answers group, so the buttons work in the middle of a guided flow; the update
ends here (`ApplicationHandlerStop`). The press is answered once, with what happened: a double
press says "already registered" and changes nothing, a press on a full or past event says so,
and forged data is "no longer valid". Registering keeps who came, so it needs consent
(`handlers.common.consent.require_consent`, asked here so that a refused press ends too).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler

from bot.context import KefuContext
from domain.care import event_messages
from domain.care.event_buttons import PATTERN, EventAction, EventButton
from handlers.common.answers import answer
from handlers.common.consent import require_consent
from storage import care_events
from storage.care_events import Outcome


def _refusal(context: KefuContext, outcome: Outcome) -> str:
    t = context.t.t
    return {
        Outcome.ALREADY: t("You are already registered for this event."),
        Outcome.FULL: t("Sorry, this event is full."),
        Outcome.TAKEN_PLACE: t("This event has already taken place."),
        Outcome.GONE: t("This event is no longer on."),
        Outcome.NOT_REGISTERED: t("You are not registered for this event."),
    }.get(outcome, t("This button is no longer valid."))


async def on_press(update: Update, context: KefuContext) -> None:
    button = EventButton.parse(update.callback_query.data if update.callback_query else None)
    kefu, customer_id = context.kefu, context.customer_id
    if not await require_consent(update, context):
        raise ApplicationHandlerStop  # asked for consent instead; nothing else takes the press
    if button is None or customer_id is None or button.action == EventAction.ATTENDED:
        await answer(update, context, context.t.t("This button is no longer valid."))
        raise ApplicationHandlerStop
    change = (
        care_events.register
        if button.action == EventAction.REGISTER
        else care_events.cancel_registration
    )
    async with kefu.db.unit_of_work() as session:
        outcome = await change(session, button.event_id, customer_id, now=kefu.clock.now())
        event = await care_events.get(session, button.event_id)
    if outcome not in (Outcome.REGISTERED, Outcome.CANCELLED) or event is None:
        await answer(update, context, _refusal(context, outcome), alert=True)
        raise ApplicationHandlerStop
    t = context.t
    assert update.effective_chat is not None
    if outcome == Outcome.REGISTERED:
        await answer(update, context, t.t("You are registered."))
        await update.effective_chat.send_message(
            event_messages.registered_text(kefu, t, event),
            reply_markup=event_messages.cancel_keyboard(t, event.id),
        )
    else:
        await answer(update, context, t.t("Your registration is cancelled."))
        await update.effective_chat.send_message(
            t.t(
                "Your registration for {title} is cancelled. Changed your mind? Register "
                "again while places are left.",
                title=event_messages.localized(event.title, t.language),
            ),
            reply_markup=event_messages.register_keyboard(t, event.id),
        )
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(on_press, pattern=PATTERN)]
