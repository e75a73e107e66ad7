"""/campaign: an admin composes a survey campaign, step by step, in a private chat.

Kind (CSAT, NPS or multiple choice) → the question in English, Simplified and Traditional
Chinese, each followed by a preview exactly as customers will see it → audience → when →
confirm. Built on `handlers.common.flow`, so Back, Cancel and the timeout work as in every flow.
Anyone who is not an admin gets a polite refusal.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KefuContext
from domain.campaigns import runtime, schedule, status
from domain.surveys.questions import campaign_keyboard, campaign_text
from domain.surveys.wording import LANGUAGE_NAMES, audience_text, kind_name, repeat_text
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
    keyboard,
    reply,
    say,
    start_draft,
    text_answer,
)
from storage import campaigns
from storage.campaigns import Audience
from storage.enums import Language
from storage.survey_models import COMPOSABLE, AudienceKind, CampaignKind, Repeat

MAX_QUESTION = 1000
MAX_OPTION = 60
OPTIONS = range(2, 9)  # how many options a multiple-choice question may have
MAX_DAYS = 366
_OPTION_LINE = re.compile(r"^\s*(?:[-•*·]|\d{1,2}[.)、])\s*(.+?)\s*$")
_WHEN_FORMAT = "%Y-%m-%d %H:%M"


class NewCampaign(IntEnum):
    KIND = auto()
    TEXT_EN = auto()
    TEXT_ZH_HANS = auto()
    TEXT_ZH_HANT = auto()
    AUDIENCE = auto()
    DAYS = auto()
    PRODUCT = auto()
    LANGUAGE = auto()
    SCHEDULE = auto()
    WHEN = auto()
    CONFIRM = auto()


TEXT_STEPS = {
    NewCampaign.TEXT_EN: ("en", NewCampaign.TEXT_ZH_HANS),
    NewCampaign.TEXT_ZH_HANS: ("zh_Hans", NewCampaign.TEXT_ZH_HANT),
    NewCampaign.TEXT_ZH_HANT: ("zh_Hant", NewCampaign.AUDIENCE),
}


KIND = Button("cnew", "kind", str)
ENGLISH: Button[Any] = Button("cnew", "english")
AUDIENCE = Button("cnew", "aud", str)
PRODUCT = Button("cnew", "product", str)
LANGUAGE = Button("cnew", "lang", str)
WHEN = Button("cnew", "when", str)
CONFIRM: Button[Any] = Button("cnew", "confirm")


def _button(label: str, button: Button[Any], value: object = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=button.data(value))


# --- asking -------------------------------------------------------------------------------------


async def ask_kind(update: Update, context: KefuContext) -> None:
    rows = [[_button(kind_name(context.t, kind), KIND, kind)] for kind in COMPOSABLE]
    text = context.t.t("New survey campaign. What kind of question?")
    await say(update, context, text, keyboard(context, rows, back=False))


def _text_asker(language: str) -> Callback:
    async def ask(update: Update, context: KefuContext) -> None:
        t = context.t.t
        lines = [t("Type the question in {language}.", language=LANGUAGE_NAMES[language])]
        if draft(context).answers["kind"] == CampaignKind.CHOICE:
            lines.append(
                t(
                    "Put the question on the first line and each option on a line of its own "
                    "starting with a dash, for example:"
                )
            )
            lines.append(t("Which colour do you prefer?\n- Red\n- Blue\n- Green"))
        rows = [] if language == "en" else [[_button(t("Use the English text"), ENGLISH)]]
        await say(update, context, "\n\n".join(lines), keyboard(context, rows))

    return ask


async def ask_audience(update: Update, context: KefuContext) -> None:
    t = context.t.t
    rows = [
        [_button(t("All customers who accepted the privacy notice"), AUDIENCE, "all")],
        [_button(t("Customers with a recently resolved ticket"), AUDIENCE, "recent")],
        [_button(t("Customers of one product"), AUDIENCE, "product")],
        [_button(t("Customers who speak one language"), AUDIENCE, "language")],
    ]
    if not context.kefu.config.products:
        del rows[2]
    await say(update, context, t("Who should receive it?"), keyboard(context, rows))


async def ask_days(update: Update, context: KefuContext) -> None:
    text = context.t.t("Resolved in how many of the last days? Type a number, like 30.")
    await say(update, context, text, keyboard(context, []))


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


async def ask_schedule(update: Update, context: KefuContext) -> None:
    t = context.t.t
    rows = [
        [_button(t("Start now"), WHEN, "now")],
        [_button(t("At a time I choose"), WHEN, "later")],
        [_button(t("Now, then every three months"), WHEN, "quarterly")],
    ]
    await say(update, context, t("When should it be sent?"), keyboard(context, rows))


async def ask_when(update: Update, context: KefuContext) -> None:
    text = context.t.t(
        "Type the date and time to send it, like {example} ({zone} time).",
        example="2026-04-01 10:00",
        zone=context.kefu.settings.timezone,
    )
    await say(update, context, text, keyboard(context, []))


async def ask_confirm(update: Update, context: KefuContext) -> None:
    t, kefu = context.t, context.kefu
    answers = draft(context).answers
    audience = Audience.from_json(answers["audience"])
    async with kefu.db.read_only() as session:
        reach = await campaigns.count_audience(session, audience, now=kefu.clock.now())
    starts = answers.get("when")
    lines = [
        t.t("Please check the campaign:"),
        "",
        t.t("Kind: {kind}", kind=kind_name(t, answers["kind"])),
        t.t("Question: {question}", question=answers["texts"]["en"]["question"]),
        t.t("Audience: {audience}", audience=audience_text(t, audience, kefu.config)),
        t.tn("It would reach {n} customer today.", "It would reach {n} customers today.", reach),
        t.t("Schedule: {schedule}", schedule=repeat_text(t, answers["repeat"])),
        t.t("Starts: {time}", time=t.format_time(starts, kefu.timezone))
        if starts
        else t.t("Starts: now"),
    ]
    rows = [[_button(t.t("Create campaign"), CONFIRM)]]
    await say(update, context, "\n".join(lines), keyboard(context, rows))


# --- answers ------------------------------------------------------------------------------------


async def begin(update: Update, context: KefuContext) -> int:
    start_draft(context, "campaign")
    draft(context).answers["texts"] = {}
    return await FLOW.goto(update, context, NewCampaign.KIND)


def _choice(update: Update, button: Button[str]) -> str:
    return button.value(update) or ""


async def got_kind(update: Update, context: KefuContext) -> int:
    value = _choice(update, KIND)
    if value not in set(COMPOSABLE):
        return await FLOW.again(update, context)
    answers = draft(context).answers
    answers["kind"], answers["texts"] = CampaignKind(value), {}
    return await FLOW.goto(update, context, NewCampaign.TEXT_EN)


def parse_question(text: str, kind: CampaignKind) -> tuple[str, list[str]] | None:
    """The question and, for multiple choice, its options; None if it does not fit."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    options = [m[1] for m in map(_OPTION_LINE.match, lines) if m]
    question = "\n".join(line for line in lines if not _OPTION_LINE.match(line)).strip()
    if not question or len(question) > MAX_QUESTION:
        return None
    if kind != CampaignKind.CHOICE:
        return text.strip(), []
    if len(options) not in OPTIONS or any(len(option) > MAX_OPTION for option in options):
        return None
    return question, options


def _text_taker(state: NewCampaign) -> Callback:
    language, next_state = TEXT_STEPS[state]

    async def take(update: Update, context: KefuContext) -> int:
        answers = draft(context).answers
        kind: CampaignKind = answers["kind"]
        parsed = parse_question(text_answer(update), kind)
        english = answers["texts"].get("en")
        if parsed is not None and english and len(parsed[1]) != len(english["options"]):
            parsed = None  # every language offers the same options, in the same order
        if parsed is None:
            await reply(update, _format_problem(context, kind, english))
            return await FLOW.goto(update, context, state)
        question, options = parsed
        answers["texts"][language] = {"question": question, "options": options}
        await _preview(update, context, language)
        return await FLOW.goto(update, context, next_state)

    return take


def _format_problem(
    context: KefuContext, kind: CampaignKind, english: dict[str, Any] | None
) -> str:
    t = context.t
    if kind != CampaignKind.CHOICE:
        return t.t("Please keep the question under {limit} characters.", limit=MAX_QUESTION)
    if english:
        return t.tn(
            "Please give the question and the same {n} option as in English.",
            "Please give the question and the same {n} options as in English.",
            len(english["options"]),
        )
    return t.t(
        "Please give a question and 2 to 8 options, each on its own line starting with a dash "
        "and at most {limit} characters long.",
        limit=MAX_OPTION,
    )


async def _preview(update: Update, context: KefuContext, language: str) -> None:
    """The question exactly as a customer speaking `language` will see it."""
    answers = draft(context).answers
    reader = context.kefu.catalogs.for_language(language)
    kind, texts = answers["kind"], answers["texts"]
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        context.t.t("Preview ({language}):", language=LANGUAGE_NAMES[language])
    )
    await update.effective_chat.send_message(
        campaign_text(reader, kind, texts),
        reply_markup=campaign_keyboard(reader, kind, texts, None),
    )


async def use_english(update: Update, context: KefuContext) -> int:
    state = draft(context).history[-1]
    if state not in TEXT_STEPS or state == NewCampaign.TEXT_EN:
        return await FLOW.again(update, context)
    language, next_state = TEXT_STEPS[NewCampaign(state)]
    draft(context).answers["texts"].pop(language, None)
    await _preview(update, context, language)
    return await FLOW.goto(update, context, next_state)


async def got_audience(update: Update, context: KefuContext) -> int:
    value = _choice(update, AUDIENCE)
    answers = draft(context).answers
    if value == "all":
        answers["audience"] = Audience(AudienceKind.ALL).as_json()
        return await FLOW.goto(update, context, NewCampaign.SCHEDULE)
    next_state = {
        "recent": NewCampaign.DAYS,
        "product": NewCampaign.PRODUCT,
        "language": NewCampaign.LANGUAGE,
    }.get(value)
    if next_state is None:
        return await FLOW.again(update, context)
    return await FLOW.goto(update, context, next_state)


async def got_days(update: Update, context: KefuContext) -> int:
    text = text_answer(update)
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        await reply(update, context.t.t("Please type a number from 1 to {max}.", max=MAX_DAYS))
        return await FLOW.goto(update, context, NewCampaign.DAYS)
    audience = Audience(AudienceKind.RECENT_TICKET, days=int(text))
    draft(context).answers["audience"] = audience.as_json()
    return await FLOW.goto(update, context, NewCampaign.SCHEDULE)


async def got_product(update: Update, context: KefuContext) -> int:
    product = context.kefu.config.product(_choice(update, PRODUCT))
    if product is None:
        return await FLOW.again(update, context)
    audience = Audience(AudienceKind.PRODUCT, product=product.id)
    draft(context).answers["audience"] = audience.as_json()
    return await FLOW.goto(update, context, NewCampaign.SCHEDULE)


async def got_language(update: Update, context: KefuContext) -> int:
    value = _choice(update, LANGUAGE)
    if value not in set(Language):
        return await FLOW.again(update, context)
    audience = Audience(AudienceKind.LANGUAGE, language=Language(value))
    draft(context).answers["audience"] = audience.as_json()
    return await FLOW.goto(update, context, NewCampaign.SCHEDULE)


async def got_schedule(update: Update, context: KefuContext) -> int:
    value = _choice(update, WHEN)
    answers = draft(context).answers
    if value not in ("now", "later", "quarterly"):
        return await FLOW.again(update, context)
    answers["repeat"] = Repeat.QUARTERLY if value == "quarterly" else Repeat.NONE
    answers["when"] = None
    if value == "later":
        return await FLOW.goto(update, context, NewCampaign.WHEN)
    return await FLOW.goto(update, context, NewCampaign.CONFIRM)


async def got_when(update: Update, context: KefuContext) -> int:
    kefu = context.kefu
    try:
        local = datetime.strptime(text_answer(update), _WHEN_FORMAT)
    except ValueError:
        local = None
    when = local.replace(tzinfo=kefu.timezone) if local else None
    if when is None or when <= kefu.clock.now():
        await reply(
            update,
            context.t.t(
                "Please type a future date and time like {example}.", example="2026-04-01 10:00"
            ),
        )
        return await FLOW.goto(update, context, NewCampaign.WHEN)
    draft(context).answers["when"] = when
    return await FLOW.goto(update, context, NewCampaign.CONFIRM)


async def confirm(update: Update, context: KefuContext) -> int:
    kefu, user = context.kefu, update.effective_user
    assert user is not None and update.callback_query is not None
    answers = draft(context).answers
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        campaign = await campaigns.create(
            session,
            kind=answers["kind"],
            texts=answers["texts"],
            audience=Audience.from_json(answers["audience"]),
            repeat=answers["repeat"],
            first_run_at=answers["when"] or now,
            created_by=user.id,
            now=now,
        )
        campaign_id = campaign.id
    drop_draft(context)
    await answer(update, context)
    if answers["when"] is None and await schedule.start_due_runs(kefu):
        runtime.wake(kefu)
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        context.t.t("Campaign #{id} created.", id=campaign_id)
    )
    await status.show(context.bot, kefu, campaign_id, update.effective_chat.id, context.t)
    return END


FLOW = Flow("campaign")
FLOW.steps = {
    NewCampaign.KIND: Step(ask_kind, [CallbackQueryHandler(got_kind, pattern=KIND.pattern)]),
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
    NewCampaign.AUDIENCE: Step(
        ask_audience, [CallbackQueryHandler(got_audience, pattern=AUDIENCE.pattern)]
    ),
    NewCampaign.DAYS: Step(ask_days, [MessageHandler(NEW_TEXT, got_days)]),
    NewCampaign.PRODUCT: Step(
        ask_product, [CallbackQueryHandler(got_product, pattern=PRODUCT.pattern)]
    ),
    NewCampaign.LANGUAGE: Step(
        ask_language, [CallbackQueryHandler(got_language, pattern=LANGUAGE.pattern)]
    ),
    NewCampaign.SCHEDULE: Step(
        ask_schedule, [CallbackQueryHandler(got_schedule, pattern=WHEN.pattern)]
    ),
    NewCampaign.WHEN: Step(ask_when, [MessageHandler(NEW_TEXT, got_when)]),
    NewCampaign.CONFIRM: Step(
        ask_confirm, [CallbackQueryHandler(confirm, pattern=CONFIRM.pattern)]
    ),
}


def build_handler(timeout_minutes: float) -> ConversationHandler:
    """The /campaign flow, for the main group ahead of the customers' flows."""
    entry = CommandHandler("campaign", begin, filters=filters.ChatType.PRIVATE)
    return FLOW.build([entry], timeout_minutes)
