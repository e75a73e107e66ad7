"""/event: an admin announces a care or training event, step by step, in a private chat.

Title and description in English, then Simplified and Traditional Chinese (or the English
text) → the time, in the business's time zone → a place or a link → the capacity → the
audience (everyone, one product's customers, one language's) → a preview and confirm. Built on
`handlers.common.flow`, so Back, Cancel and the timeout work as in every flow; a time in the
past or a capacity of 0 is explained and asked again, keeping every answer so far.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import (
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KefuContext
from domain.care import event_messages, events
from domain.care.event_time import EXAMPLE, EventTimeError, TimeProblem, parse_event_time
from domain.surveys.wording import LANGUAGE_NAMES, audience_text
from handlers.common.answers import answer
from handlers.common.buttons import Button
from handlers.common.flow import (
    END,
    NEW_TEXT,
    Callback,
    Flow,
    Step,
    draft,
    drop_draft,
    has_draft,
    keyboard,
    reply,
    say,
    start_draft,
    text_answer,
)
from storage import campaigns
from storage.campaigns import Audience
from storage.enums import Language
from storage.event_models import MAX_PLACE, CareEvent
from storage.survey_models import AudienceKind

MAX_TITLE = 100
MAX_TEXT = 2000
MAX_CAPACITY = 10_000


class NewEvent(IntEnum):
    TEXT_EN = auto()
    TEXT_ZH_HANS = auto()
    TEXT_ZH_HANT = auto()
    WHEN = auto()
    PLACE = auto()
    CAPACITY = auto()
    AUDIENCE = auto()
    PRODUCT = auto()
    LANGUAGE = auto()
    CONFIRM = auto()


TEXT_STEPS = {
    NewEvent.TEXT_EN: ("en", NewEvent.TEXT_ZH_HANS),
    NewEvent.TEXT_ZH_HANS: ("zh_Hans", NewEvent.TEXT_ZH_HANT),
    NewEvent.TEXT_ZH_HANT: ("zh_Hant", NewEvent.WHEN),
}

ENGLISH: Button[Any] = Button("enew", "english")
AUDIENCE = Button("enew", "aud", str)
PRODUCT = Button("enew", "product", str)
LANGUAGE = Button("enew", "lang", str)
CONFIRM: Button[Any] = Button("enew", "confirm")


def _button(label: str, button: Button[Any], value: object = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=button.data(value))


async def admit_event_admin(update: Update, context: KefuContext) -> bool:
    """Only the configured admins announce events; anyone else is told so."""
    user = update.effective_user
    if context.kefu.is_admin(user.id if user else None):
        return True
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context.t.t("Sorry, only Kefu's administrators can announce events.")
        )
    raise ApplicationHandlerStop


# --- asking -------------------------------------------------------------------------------------


def _text_asker(language: str) -> Callback:
    async def ask(update: Update, context: KefuContext) -> None:
        t = context.t.t
        text = t(
            "Type the event's title on the first line and its description below it, in "
            "{language}.",
            language=LANGUAGE_NAMES[language],
        )
        rows = [] if language == "en" else [[_button(t("Use the English text"), ENGLISH)]]
        await say(update, context, text, keyboard(context, rows, back=language != "en"))

    return ask


async def ask_when(update: Update, context: KefuContext) -> None:
    text = context.t.t(
        "When does it begin? Type the date and time like {example} ({zone} time).",
        example=EXAMPLE,
        zone=context.kefu.settings.timezone,
    )
    await say(update, context, text, keyboard(context, []))


async def ask_place(update: Update, context: KefuContext) -> None:
    text = context.t.t("Where is it? Type the address, or the link to join online.")
    await say(update, context, text, keyboard(context, []))


async def ask_capacity(update: Update, context: KefuContext) -> None:
    text = context.t.t("How many places are there? Type a number, like 20.")
    await say(update, context, text, keyboard(context, []))


async def ask_audience(update: Update, context: KefuContext) -> None:
    t = context.t.t
    rows = [
        [_button(t("All customers who accepted the privacy notice"), AUDIENCE, "all")],
        [_button(t("Customers of one product"), AUDIENCE, "product")],
        [_button(t("Customers who speak one language"), AUDIENCE, "language")],
    ]
    if not context.kefu.config.products:
        del rows[1]
    await say(update, context, t("Whom should we invite?"), keyboard(context, rows))


async def ask_product(update: Update, context: KefuContext) -> None:
    language = context.t.language
    rows = [
        [_button(product.name(language), PRODUCT, product.id)]
        for product in context.kefu.config.products
    ]
    await say(update, context, context.t.t("Which product?"), keyboard(context, rows))


async def ask_language(update: Update, context: KefuContext) -> None:
    rows = [[_button(name, LANGUAGE, code)] for code, name in LANGUAGE_NAMES.items()]
    await say(update, context, context.t.t("Which language?"), keyboard(context, rows))


def _preview_event(answers: dict[str, Any]) -> CareEvent:
    """The event as it would be stored, unsaved: what the preview words."""
    return CareEvent(
        title=answers["title"],
        text=answers["text"],
        starts_at=answers["starts_at"],
        place=answers["place"],
        capacity=answers["capacity"],
    )


async def ask_confirm(update: Update, context: KefuContext) -> None:
    t, kefu = context.t, context.kefu
    answers = draft(context).answers
    audience = Audience.from_json(answers["audience"])
    async with kefu.db.read_only() as session:
        reach = await campaigns.count_audience(session, audience, now=kefu.clock.now())
    await answer(update, context)
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        t.t("Preview ({language}):", language=LANGUAGE_NAMES.get(t.language, t.language))
    )
    await update.effective_chat.send_message(
        event_messages.announcement_text(kefu, t, _preview_event(answers)),
        reply_markup=event_messages.announcement_keyboard(t, None),
    )
    lines = [
        t.t("Audience: {audience}", audience=audience_text(t, audience, kefu.config)),
        t.tn("It would reach {n} customer today.", "It would reach {n} customers today.", reach),
        t.tn(
            "Those registered are reminded {n} hour before it begins.",
            "Those registered are reminded {n} hours before it begins.",
            kefu.config.care.event_reminder_hours,
        ),
    ]
    rows = [[_button(t.t("Announce the event"), CONFIRM)]]
    await say(update, context, "\n".join(lines), keyboard(context, rows))


# --- answers ------------------------------------------------------------------------------------


async def begin(update: Update, context: KefuContext) -> int | None:
    if has_draft(context) and draft(context).flow != FLOW.name:
        # Another flow's answers are in the draft: starting this one would overwrite them.
        await reply(update, context.t.t("Please finish this request first, or press Cancel."))
        return None
    start_draft(context, "event")
    draft(context).answers.update(title={}, text={})
    return await FLOW.goto(update, context, NewEvent.TEXT_EN)


def parse_title_and_text(typed: str) -> tuple[str, str] | None:
    """The first line as the title, the rest as the description; None if either is missing
    or too long."""
    title, _, text = typed.strip().partition("\n")
    title, text = title.strip(), text.strip()
    if not title or not text or len(title) > MAX_TITLE or len(text) > MAX_TEXT:
        return None
    return title, text


def _text_taker(state: NewEvent) -> Callback:
    language, next_state = TEXT_STEPS[state]

    async def take(update: Update, context: KefuContext) -> int:
        parsed = parse_title_and_text(text_answer(update))
        if parsed is None:
            await reply(
                update,
                context.t.t(
                    "Please put the title (at most {title} characters) on the first line and "
                    "the description (at most {text}) below it.",
                    title=MAX_TITLE,
                    text=MAX_TEXT,
                ),
            )
            return await FLOW.goto(update, context, state)
        answers = draft(context).answers
        answers["title"][language], answers["text"][language] = parsed
        return await FLOW.goto(update, context, next_state)

    return take


async def use_english(update: Update, context: KefuContext) -> int:
    state = draft(context).history[-1]
    if state not in TEXT_STEPS or state == NewEvent.TEXT_EN:
        return await FLOW.again(update, context)
    language, next_state = TEXT_STEPS[NewEvent(state)]
    answers = draft(context).answers
    answers["title"].pop(language, None)  # customers reading it get the English text
    answers["text"].pop(language, None)
    return await FLOW.goto(update, context, next_state)


def _time_problem(context: KefuContext, problem: TimeProblem) -> str:
    t = context.t.t
    if problem == TimeProblem.PAST:
        return t("That time has already passed. Please type a time in the future.")
    if problem == TimeProblem.TOO_FAR:
        return t("That is more than two years ahead. Please check the date.")
    return t(
        "Please type the date and time like {example} ({zone} time).",
        example=EXAMPLE,
        zone=context.kefu.settings.timezone,
    )


async def got_when(update: Update, context: KefuContext) -> int:
    kefu = context.kefu
    try:
        starts_at = parse_event_time(text_answer(update), now=kefu.clock.now(), zone=kefu.timezone)
    except EventTimeError as error:
        await reply(update, _time_problem(context, error.problem))
        return await FLOW.goto(update, context, NewEvent.WHEN)
    draft(context).answers["starts_at"] = starts_at
    return await FLOW.goto(update, context, NewEvent.PLACE)


async def got_place(update: Update, context: KefuContext) -> int:
    place = text_answer(update)
    if len(place) > MAX_PLACE:
        await reply(
            update, context.t.t("Please keep it under {limit} characters.", limit=MAX_PLACE)
        )
        return await FLOW.goto(update, context, NewEvent.PLACE)
    draft(context).answers["place"] = place
    return await FLOW.goto(update, context, NewEvent.CAPACITY)


async def got_capacity(update: Update, context: KefuContext) -> int:
    typed = text_answer(update)
    if not typed.isdigit() or not 1 <= int(typed) <= MAX_CAPACITY:
        problem = (
            context.t.t("An event needs at least one place.")
            if typed.isdigit() and int(typed) == 0
            else context.t.t("Please type a number from 1 to {max}.", max=MAX_CAPACITY)
        )
        await reply(update, problem)
        return await FLOW.goto(update, context, NewEvent.CAPACITY)
    draft(context).answers["capacity"] = int(typed)
    return await FLOW.goto(update, context, NewEvent.AUDIENCE)


async def got_audience(update: Update, context: KefuContext) -> int:
    value = AUDIENCE.value(update) or ""
    if value == "all":
        draft(context).answers["audience"] = Audience(AudienceKind.ALL).as_json()
        return await FLOW.goto(update, context, NewEvent.CONFIRM)
    next_state = {"product": NewEvent.PRODUCT, "language": NewEvent.LANGUAGE}.get(value)
    if next_state is None:
        return await FLOW.again(update, context)
    return await FLOW.goto(update, context, next_state)


async def got_product(update: Update, context: KefuContext) -> int:
    product = context.kefu.config.product(PRODUCT.value(update) or "")
    if product is None:
        return await FLOW.again(update, context)
    audience = Audience(AudienceKind.PRODUCT, product=product.id)
    draft(context).answers["audience"] = audience.as_json()
    return await FLOW.goto(update, context, NewEvent.CONFIRM)


async def got_language(update: Update, context: KefuContext) -> int:
    value = LANGUAGE.value(update) or ""
    if value not in set(Language):
        return await FLOW.again(update, context)
    audience = Audience(AudienceKind.LANGUAGE, language=Language(value))
    draft(context).answers["audience"] = audience.as_json()
    return await FLOW.goto(update, context, NewEvent.CONFIRM)


async def confirm(update: Update, context: KefuContext) -> int:
    kefu, user = context.kefu, update.effective_user
    assert user is not None and update.effective_chat is not None
    answers = draft(context).answers
    starts_at: datetime = answers["starts_at"]
    if starts_at <= kefu.clock.now():
        # The flow sat open past the event's time: ask for a new one, keeping the rest.
        await answer(update, context)
        await reply(update, _time_problem(context, TimeProblem.PAST))
        return await FLOW.goto(update, context, NewEvent.WHEN)
    event_id, reach = await events.announce(
        kefu,
        title=answers["title"],
        text=answers["text"],
        starts_at=starts_at,
        place=answers["place"],
        capacity=answers["capacity"],
        audience=Audience.from_json(answers["audience"]),
        created_by=user.id,
    )
    drop_draft(context)
    await answer(update, context)
    await update.effective_chat.send_message(
        context.t.tn(
            "Event #{id} announced: it goes to {n} customer.",
            "Event #{id} announced: it goes to {n} customers.",
            reach,
            id=event_id,
        )
    )
    return END


FLOW = Flow("event")
FLOW.steps = {
    **{
        state: Step(
            _text_asker(language),
            [
                MessageHandler(NEW_TEXT, _text_taker(state)),
                CallbackQueryHandler(use_english, pattern=ENGLISH.pattern),
            ],
        )
        for state, (language, _next) in TEXT_STEPS.items()
    },
    NewEvent.WHEN: Step(ask_when, [MessageHandler(NEW_TEXT, got_when)]),
    NewEvent.PLACE: Step(ask_place, [MessageHandler(NEW_TEXT, got_place)]),
    NewEvent.CAPACITY: Step(ask_capacity, [MessageHandler(NEW_TEXT, got_capacity)]),
    NewEvent.AUDIENCE: Step(
        ask_audience, [CallbackQueryHandler(got_audience, pattern=AUDIENCE.pattern)]
    ),
    NewEvent.PRODUCT: Step(
        ask_product, [CallbackQueryHandler(got_product, pattern=PRODUCT.pattern)]
    ),
    NewEvent.LANGUAGE: Step(
        ask_language, [CallbackQueryHandler(got_language, pattern=LANGUAGE.pattern)]
    ),
    NewEvent.CONFIRM: Step(ask_confirm, [CallbackQueryHandler(confirm, pattern=CONFIRM.pattern)]),
}


def build_handler(timeout_minutes: float) -> ConversationHandler:
    """The /event flow, for the main group ahead of the customers' flows."""
    entry = CommandHandler("event", begin, filters=filters.ChatType.PRIVATE)
    return FLOW.build([entry], timeout_minutes)
