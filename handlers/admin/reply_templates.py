"""/templates: an admin adds, edits or deletes reply templates, step by step, in a private chat.

The list of templates (each a button) and "Add a template" → a name (a short slug, not taken)
→ the English text → the Simplified and Traditional Chinese texts (or none: those customers
get the English) → a preview and Save. A template pressed in the list shows its texts, with
"Edit the texts" (the same steps, each offering to keep its text) and "Delete" (after a
confirmation). A text with an unknown placeholder or a stray brace is explained and asked again,
so a saved template can always be filled in when staff send it. Built on
`handlers.common.flow`: Back, Cancel and the timeout work as in every flow.
"""

from __future__ import annotations

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
from bot.i18n import Translator
from domain.desk.card import language_name
from domain.templates.placeholders import (
    ENGLISH,
    MAX_NAME,
    MAX_TEXT,
    Problem,
    ProblemKind,
    known_placeholders,
    parse_name,
    problem_in,
)
from handlers.common.buttons import Button, number
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
from storage import templates
from storage.template_models import ReplyTemplate


class Templates(IntEnum):
    LIST = auto()
    NAME = auto()
    TEXT_EN = auto()
    TEXT_ZH_HANS = auto()
    TEXT_ZH_HANT = auto()
    CONFIRM = auto()
    CHOSEN = auto()
    DELETE = auto()


TEXT_STEPS = {
    Templates.TEXT_EN: ("en", Templates.TEXT_ZH_HANS),
    Templates.TEXT_ZH_HANS: ("zh_Hans", Templates.TEXT_ZH_HANT),
    Templates.TEXT_ZH_HANT: ("zh_Hant", Templates.CONFIRM),
}

ADD: Button[Any] = Button("tmpl", "add")
PICK = Button("tmpl", "pick", number)
KEEP: Button[Any] = Button("tmpl", "keep")
NO_TEXT: Button[Any] = Button("tmpl", "none")
SAVE: Button[Any] = Button("tmpl", "save")
EDIT: Button[Any] = Button("tmpl", "edit")
DELETE: Button[Any] = Button("tmpl", "delete")
DELETE_SURE: Button[Any] = Button("tmpl", "sure")


def _button(label: str, button: Button[Any], value: object = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=button.data(value))


async def admit_template_admin(update: Update, context: KefuContext) -> bool:
    """Only the configured admins manage templates; anyone else is told so."""
    user = update.effective_user
    if context.kefu.is_admin(user.id if user else None):
        return True
    if update.effective_message is not None:
        await update.effective_message.reply_text(
            context.t.t("Sorry, only Kefu's administrators can manage reply templates.")
        )
    raise ApplicationHandlerStop


def _texts_shown(t: Translator, texts: dict[str, str]) -> str:
    return "\n\n".join(
        f"{language_name(t, language)}:\n{texts[language]}"
        for language, _next in TEXT_STEPS.values()
        if texts.get(language)
    )


def _problem_text(t: Translator, problem: Problem) -> str:
    known = known_placeholders()
    match problem.kind:
        case ProblemKind.UNKNOWN_PLACEHOLDER:
            return t.t(
                "{placeholder} is not a placeholder Kefu knows. You can use: {known}.",
                placeholder=problem.placeholder,
                known=known,
            )
        case ProblemKind.BRACES:
            return t.t(
                "A brace has no partner, or there is nothing between two braces. Braces are "
                "only for placeholders: {known}.",
                known=known,
            )
        case ProblemKind.TOO_LONG:
            return t.t("Please keep it under {limit} characters.", limit=MAX_TEXT)
        case ProblemKind.EMPTY:
            return t.t("Please type the text.")


# --- asking -------------------------------------------------------------------------------------


async def ask_list(update: Update, context: KefuContext) -> None:
    t = context.t
    async with context.kefu.db.read_only() as session:
        known = await templates.listed(session)
    if known:
        text = t.t("Reply templates. Press one to see, edit or delete it.")
    else:
        text = t.t("There are no reply templates yet.")
    rows = [[_button(template.name, PICK, template.id)] for template in known]
    rows.append([_button(t.t("Add a template"), ADD)])
    await say(update, context, text, keyboard(context, rows, back=False))


async def ask_name(update: Update, context: KefuContext) -> None:
    text = context.t.t(
        "Type a short name for the template, like filter-change: lower-case letters, digits "
        "and hyphens, at most {limit} characters. Staff send it with /reply and this name.",
        limit=MAX_NAME,
    )
    await say(update, context, text, keyboard(context, []))


def _text_asker(language: str) -> Callback:
    async def ask(update: Update, context: KefuContext) -> None:
        t = context.t
        lines = [
            t.t(
                "Type the template's text in {language}. You can use these placeholders: {known}.",
                language=language_name(t, language),
                known=known_placeholders(),
            )
        ]
        rows = []
        current = draft(context).answers.get("current", {})
        if current.get(language):
            lines.append(t.t("The current text:") + "\n" + current[language])
            rows.append([_button(t.t("Keep the current text"), KEEP)])
        if language != ENGLISH:
            rows.append([_button(t.t("No text: send the English one"), NO_TEXT)])
        await say(update, context, "\n\n".join(lines), keyboard(context, rows))

    return ask


async def ask_confirm(update: Update, context: KefuContext) -> None:
    t = context.t
    answers = draft(context).answers
    text = "\n\n".join(
        [t.t("Template {name}:", name=answers["name"]), _texts_shown(t, answers["texts"])]
    )
    await say(
        update, context, text, keyboard(context, [[_button(t.t("Save the template"), SAVE)]])
    )


async def ask_chosen(update: Update, context: KefuContext) -> None:
    t = context.t
    answers = draft(context).answers
    text = "\n\n".join(
        [t.t("Template {name}:", name=answers["name"]), _texts_shown(t, answers["current"])]
    )
    rows = [[_button(t.t("Edit the texts"), EDIT), _button(t.t("Delete"), DELETE)]]
    await say(update, context, text, keyboard(context, rows))


async def ask_delete(update: Update, context: KefuContext) -> None:
    t = context.t
    text = t.t(
        "Delete the template {name}? Staff will no longer be able to send it.",
        name=draft(context).answers["name"],
    )
    await say(update, context, text, keyboard(context, [[_button(t.t("Delete it"), DELETE_SURE)]]))


# --- answers ------------------------------------------------------------------------------------


async def begin(update: Update, context: KefuContext) -> int | None:
    if has_draft(context) and draft(context).flow != FLOW.name:
        # Another flow's answers are in the draft: starting this one would overwrite them.
        await reply(update, context.t.t("Please finish this request first, or press Cancel."))
        return None
    start_draft(context, FLOW.name)
    return await FLOW.goto(update, context, Templates.LIST)


async def got_add(update: Update, context: KefuContext) -> int:
    draft(context).answers.update(id=None, name=None, texts={}, current={})
    return await FLOW.goto(update, context, Templates.NAME)


async def got_pick(update: Update, context: KefuContext) -> int:
    template_id = PICK.value(update)
    chosen: ReplyTemplate | None = None
    if template_id is not None:
        async with context.kefu.db.read_only() as session:
            chosen = await templates.get(session, template_id)
    if chosen is None:
        return await FLOW.again(update, context)  # deleted meanwhile, or forged
    draft(context).answers.update(
        id=chosen.id, name=chosen.name, texts={}, current=dict(chosen.texts)
    )
    return await FLOW.goto(update, context, Templates.CHOSEN)


async def got_name(update: Update, context: KefuContext) -> int:
    t = context.t
    name = parse_name(text_answer(update))
    if name is None:
        await reply(
            update,
            t.t(
                "Please type 2 to {limit} lower-case letters, digits and hyphens, like "
                "filter-change.",
                limit=MAX_NAME,
            ),
        )
        return await FLOW.goto(update, context, Templates.NAME)
    async with context.kefu.db.read_only() as session:
        taken = await templates.by_name(session, name) is not None
    if taken:
        await reply(update, _name_taken(t, name))
        return await FLOW.goto(update, context, Templates.NAME)
    draft(context).answers["name"] = name
    return await FLOW.goto(update, context, Templates.TEXT_EN)


def _name_taken(t: Translator, name: str) -> str:
    return t.t("There is already a template called {name}. Please choose another name.", name=name)


def _text_taker(state: Templates) -> Callback:
    language, next_state = TEXT_STEPS[state]

    async def take(update: Update, context: KefuContext) -> int:
        typed = text_answer(update)
        problem = problem_in(typed)
        if problem is not None:
            await reply(update, _problem_text(context.t, problem))
            return await FLOW.goto(update, context, state)
        draft(context).answers["texts"][language] = typed
        return await FLOW.goto(update, context, next_state)

    return take


async def keep_text(update: Update, context: KefuContext) -> int:
    answers = draft(context).answers
    state = draft(context).history[-1]
    if state not in TEXT_STEPS or not answers["current"].get(TEXT_STEPS[Templates(state)][0]):
        return await FLOW.again(update, context)
    language, next_state = TEXT_STEPS[Templates(state)]
    answers["texts"][language] = answers["current"][language]
    return await FLOW.goto(update, context, next_state)


async def no_text(update: Update, context: KefuContext) -> int:
    state = draft(context).history[-1]
    if state not in TEXT_STEPS or state == Templates.TEXT_EN:
        return await FLOW.again(update, context)
    language, next_state = TEXT_STEPS[Templates(state)]
    draft(context).answers["texts"].pop(language, None)  # those customers get the English
    return await FLOW.goto(update, context, next_state)


async def got_edit(update: Update, context: KefuContext) -> int:
    draft(context).answers["texts"] = {}
    return await FLOW.goto(update, context, Templates.TEXT_EN)


async def got_delete(update: Update, context: KefuContext) -> int:
    return await FLOW.goto(update, context, Templates.DELETE)


async def save(update: Update, context: KefuContext) -> int:
    kefu, t, user = context.kefu, context.t, update.effective_user
    assert user is not None
    answers = draft(context).answers
    texts = {language: text for language, text in answers["texts"].items() if text}
    async with kefu.db.unit_of_work() as session:
        if answers["id"] is None:
            saved = await templates.add(
                session,
                name=answers["name"],
                texts=texts,
                created_by=user.id,
                now=kefu.clock.now(),
            )
        else:
            saved = await templates.change_texts(
                session, answers["id"], texts, now=kefu.clock.now()
            )
    if saved is None and answers["id"] is None:
        # Another admin took the name since it was typed: choose another, keeping the texts.
        await reply(update, _name_taken(t, answers["name"]))
        return await FLOW.goto(update, context, Templates.NAME)
    drop_draft(context)
    if saved is None:
        done = t.t("That template was deleted meanwhile, so nothing was saved.")
    else:
        done = t.t(
            "Template {name} saved. In a ticket's topic, staff send it with /reply {name}.",
            name=saved.name,
        )
    await say(update, context, done)
    return END


async def delete_it(update: Update, context: KefuContext) -> int:
    answers = draft(context).answers
    async with context.kefu.db.unit_of_work() as session:
        await templates.remove(session, answers["id"])
    drop_draft(context)
    await say(update, context, context.t.t("Template {name} deleted.", name=answers["name"]))
    return END


FLOW = Flow("templates")
FLOW.steps = {
    Templates.LIST: Step(
        ask_list,
        [
            CallbackQueryHandler(got_add, pattern=ADD.pattern),
            CallbackQueryHandler(got_pick, pattern=PICK.pattern),
        ],
    ),
    Templates.NAME: Step(ask_name, [MessageHandler(NEW_TEXT, got_name)]),
    **{
        state: Step(
            _text_asker(language),
            [
                MessageHandler(NEW_TEXT, _text_taker(state)),
                CallbackQueryHandler(keep_text, pattern=KEEP.pattern),
                CallbackQueryHandler(no_text, pattern=NO_TEXT.pattern),
            ],
        )
        for state, (language, _next) in TEXT_STEPS.items()
    },
    Templates.CONFIRM: Step(ask_confirm, [CallbackQueryHandler(save, pattern=SAVE.pattern)]),
    Templates.CHOSEN: Step(
        ask_chosen,
        [
            CallbackQueryHandler(got_edit, pattern=EDIT.pattern),
            CallbackQueryHandler(got_delete, pattern=DELETE.pattern),
        ],
    ),
    Templates.DELETE: Step(
        ask_delete, [CallbackQueryHandler(delete_it, pattern=DELETE_SURE.pattern)]
    ),
}


def build_handler(timeout_minutes: float) -> ConversationHandler:
    """The /templates flow, for the main group ahead of the customers' flows."""
    entry = CommandHandler("templates", begin, filters=filters.ChatType.PRIVATE)
    return FLOW.build([entry], timeout_minutes)
