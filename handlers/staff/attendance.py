"""/attended: staff mark who came to a care or training event, once it has begun.

    /attended 3                      one button per person registered; a press marks or
                                     unmarks them (☑ / ☐), so a list at the door is one tap each
    /attended 3 K-000012 1001 …      marks those named by a ticket number of theirs or their
                                     Telegram id, for a list typed from elsewhere

An event with no attendance marked counts everyone registered (/events says so). Behind the
staff gate (`handlers.staff.build_handlers`), in the staff chat; the buttons' data is parsed by
`domain.care.event_buttons` and checked against the event they name.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from bot.context import KefuContext
from bot.i18n import Translator
from domain.care.event_buttons import EventAction, EventButton
from domain.care.event_messages import localized
from domain.rules.ids import parse_id
from handlers.common.answers import answer
from handlers.common.edits import edit_pressed
from handlers.staff.gate import staff_words
from storage import care_events
from storage.care_events import Registrant

PATTERN = r"^ev:att:"
MAX_BUTTONS = 90  # Telegram allows 100 buttons on a message


def _label(t: Translator, person: Registrant) -> str:
    name = person.first_name or t.t("Customer {id}", id=person.telegram_id)
    return f"{'☑' if person.attended else '☐'} {name}"


def _keyboard(t: Translator, event_id: int, people: list[Registrant]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _label(t, person),
                    callback_data=EventButton(
                        EventAction.ATTENDED, event_id, person.registration_id
                    ).encode(),
                )
            ]
            for person in people[:MAX_BUTTONS]
        ]
    )


def _usage(t: Translator) -> str:
    return t.t(
        "Usage: /attended <event number> shows everyone registered, to mark who came; or "
        "/attended <event number> <ticket number or Telegram id> … marks those named."
    )


async def attended_command(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None
    t, kefu = staff_words(context), context.kefu
    args = context.args or []
    event_id = parse_id(args[0]) if args else None
    if event_id is None:
        await message.reply_text(_usage(t))
        return
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        event = await care_events.get(session, event_id)
        begun = event is not None and event.starts_at <= now
        marked, people = 0, []
        if begun:
            named = [await care_events.customer_named(session, who) for who in args[1:]]
            found = [customer for customer in named if customer is not None]
            marked = await care_events.set_attended(session, event_id, found, now=now)
            people = await care_events.registrants(session, event_id)
    if event is None:
        await message.reply_text(t.t("There is no event #{id}.", id=event_id))
        return
    if not begun:
        await message.reply_text(
            t.t("Event #{id} has not begun yet: mark who came once it has.", id=event_id)
        )
        return
    title = localized(event.title, t.language)
    if args[1:]:
        text = t.tn(
            "{n} person marked as attended at #{id} {title}.",
            "{n} people marked as attended at #{id} {title}.",
            marked,
            id=event_id,
            title=title,
        )
        if missed := len(args) - 1 - marked:
            text += "\n" + t.tn(
                "{n} of those named is not registered for it, or not known.",
                "{n} of those named are not registered for it, or not known.",
                missed,
            )
        await message.reply_text(text)
        return
    if not people:
        await message.reply_text(t.t("Nobody is registered for #{id}.", id=event_id))
        return
    await message.reply_text(
        t.t(
            "Who came to #{id} {title}? Press a name to mark or unmark it.",
            id=event_id,
            title=title,
        ),
        reply_markup=_keyboard(t, event_id, people),
    )


async def on_attendance_press(update: Update, context: KefuContext) -> None:
    t, kefu = staff_words(context), context.kefu
    button = EventButton.parse(update.callback_query.data if update.callback_query else None)
    if button is None or button.registration_id is None:
        await answer(update, context, t.t("This button is no longer valid."))
        return
    async with kefu.db.unit_of_work() as session:
        state = await care_events.toggle_attended(
            session, button.event_id, button.registration_id, now=kefu.clock.now()
        )
        people = await care_events.registrants(session, button.event_id)
    if state is None:
        await answer(update, context, t.t("This person is no longer registered."))
    else:
        await answer(update, context, t.t("Marked as attended.") if state else t.t("Unmarked."))
    await edit_pressed(update, context, markup=_keyboard(t, button.event_id, people))


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("attended", attended_command, filters=~filters.UpdateType.EDITED),
        CallbackQueryHandler(on_attendance_press, pattern=PATTERN),
    ]
