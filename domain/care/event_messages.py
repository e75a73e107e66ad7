"""What customers read about an event: the announcement, the reminder, and their buttons.

Worded when sent (`event_message`, called by the campaign sender), so the outbox holds no text
and an event that filled up, began or was cancelled meanwhile is skipped rather than announced.
Plain text: the sender sends without a parse mode, and an admin's text may hold `<` or `&`.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services import Kefu
from domain.care.event_buttons import EventAction, EventButton
from domain.rules.ids import parse_id
from domain.surveys.buttons import Action, SurveyButton
from storage import care_events
from storage.event_models import CareEvent
from storage.outbox import Delivery


def localized(texts: dict[str, Any], language: str) -> str:
    """The text in `language`, or in English when the admin gave none in it."""
    return str(texts.get(language) or texts.get("en") or "")


def when_text(kefu: Kefu, t: Translator, event: CareEvent) -> str:
    return t.format_time(event.starts_at, kefu.timezone)


def announcement_text(kefu: Kefu, t: Translator, event: CareEvent) -> str:
    lines = [
        localized(event.title, t.language),
        "",
        localized(event.text, t.language),
        "",
        t.t("When: {time}", time=when_text(kefu, t, event)),
        t.t("Where: {place}", place=event.place),
        t.tn("{n} place", "{n} places", event.capacity),
        "",
        t.t("Press Register to take a place; you can cancel later."),
    ]
    return "\n".join(lines)


def announcement_keyboard(t: Translator, event_id: int | None) -> InlineKeyboardMarkup:
    """Register, and the campaigns' "Stop these messages"; `event_id` None makes a preview."""
    register = (
        EventButton(EventAction.REGISTER, event_id).encode()
        if event_id is not None
        else SurveyButton(Action.PREVIEW).encode()
    )
    stop = SurveyButton(Action.STOP if event_id is not None else Action.PREVIEW).encode()
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t.t("Register"), callback_data=register)],
            [InlineKeyboardButton(t.t("Stop these messages"), callback_data=stop)],
        ]
    )


def cancel_keyboard(t: Translator, event_id: int) -> InlineKeyboardMarkup:
    data = EventButton(EventAction.CANCEL, event_id).encode()
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.t("Cancel my registration"), callback_data=data)]]
    )


def register_keyboard(t: Translator, event_id: int) -> InlineKeyboardMarkup:
    data = EventButton(EventAction.REGISTER, event_id).encode()
    return InlineKeyboardMarkup([[InlineKeyboardButton(t.t("Register"), callback_data=data)]])


def registered_text(kefu: Kefu, t: Translator, event: CareEvent) -> str:
    return t.t(
        "You are registered for {title} on {time}. We will remind you before it begins.",
        title=localized(event.title, t.language),
        time=when_text(kefu, t, event),
    )


def reminder_text(kefu: Kefu, t: Translator, event: CareEvent) -> str:
    lines = [
        t.t(
            "Reminder: {title} begins on {time}.",
            title=localized(event.title, t.language),
            time=when_text(kefu, t, event),
        ),
        t.t("Where: {place}", place=event.place),
        t.t("If you cannot come, please cancel so that someone else can take your place."),
    ]
    return "\n".join(lines)


async def event_message(
    kefu: Kefu, t: Translator, delivery: Delivery, texts: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The announcement or the reminder (`delivery.occasion`) in `t`'s language; None when it
    is not to be sent: the customer withdrew consent (or, for an announcement, opted out of
    these messages), the event was cancelled or has begun, the announced event is full, or the
    reminded customer cancelled."""
    event_id = parse_id(str(texts.get("event_id", "")))
    reminder = delivery.occasion == care_events.REMINDER
    if event_id is None or not (delivery.consented if reminder else delivery.may_receive):
        return None
    async with kefu.db.read_only() as session:
        event = await care_events.get(session, event_id)
        if event is None or event.cancelled_at is not None:
            return None
        if event.starts_at <= kefu.clock.now():
            return None
        if reminder:
            if not await care_events.is_registered(session, event_id, delivery.customer_id):
                return None
            return reminder_text(kefu, t, event), cancel_keyboard(t, event_id)
        if await care_events.places_left(session, event) == 0:
            return None
    return announcement_text(kefu, t, event), announcement_keyboard(t, event_id)
