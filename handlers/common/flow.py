"""What every guided flow shares: steps with Back and Cancel, a timeout, and patient re-asking.

A flow is a set of steps; each step knows how to ask its question and which handlers take the
answer. `build_flow` adds, to every step, a Back button (re-asks the previous step), a Cancel
button and /cancel, and a catch-all that explains what is expected and asks again, so stickers,
voice notes or a stale button never break a flow. The customer's answers so far live in a draft
in `user_data` until the ticket is created.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any
from uuid import uuid4

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.error import TelegramError
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import KefuContext
from handlers.common import attachments
from handlers.common.answers import answer
from handlers.common.buttons import ANY_MENU, BACK, CANCEL, Button
from handlers.common.menus import main_menu

Callback = Callable[[Update, KefuContext], Awaitable[Any]]
END = ConversationHandler.END
# New messages only: an edit to an earlier answer is not a new answer.
NEW_TEXT = filters.TEXT & ~filters.COMMAND & ~filters.UpdateType.EDITED_MESSAGE
NEW_MESSAGE = filters.ALL & ~filters.COMMAND & ~filters.UpdateType.EDITED_MESSAGE
PROMPT = "prompt_message_id"  # user_data: the prompt whose buttons are live
# user_data: a step showed the phone keyboard (a reply keyboard stays until a message takes it
# away), so the next step, a Cancel or a timeout closes it first.
PHONE_KEYBOARD = "phone_keyboard_shown"
# user_data: the ticket the next free message joins (chosen in My tickets, used by follow-ups)
WRITE_TO = "write_to_ticket"


@dataclass
class Step:
    ask: Callback
    handlers: list[BaseHandler] = field(default_factory=list)


@dataclass
class Draft:
    flow: str
    answers: dict[str, Any] = field(default_factory=dict)
    # Names the ticket this draft becomes, so a replayed confirmation cannot make two.
    key: str = field(default_factory=lambda: uuid4().hex)
    history: list[int] = field(default_factory=list)  # states asked, newest last
    editing: bool = False  # answering one field again from the summary


def draft(context: KefuContext) -> Draft:
    found = context.user_data.get("draft") if context.user_data is not None else None
    if not isinstance(found, Draft):
        raise LookupError("no flow in progress")
    return found


def start_draft(context: KefuContext, flow: str) -> Draft:
    assert context.user_data is not None
    context.user_data["draft"] = fresh = Draft(flow)
    return fresh


def has_draft(context: KefuContext) -> bool:
    return context.user_data is not None and isinstance(context.user_data.get("draft"), Draft)


def drop_draft(context: KefuContext) -> None:
    if context.user_data is not None:
        context.user_data.pop("draft", None)


def nav_row(context: KefuContext, *, back: bool = True) -> list[InlineKeyboardButton]:
    row = [InlineKeyboardButton(context.t.t("Back"), callback_data=BACK.data())] if back else []
    return [*row, InlineKeyboardButton(context.t.t("Cancel"), callback_data=CANCEL.data())]


def keyboard(
    context: KefuContext, rows: Sequence[Sequence[InlineKeyboardButton]], *, back: bool = True
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([*map(list, rows), nav_row(context, back=back)])


async def say(
    update: Update, context: KefuContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Answer in the chat whether the customer typed or pressed a button.

    Only the newest prompt keeps its buttons: the previous one's keyboard is removed, so an
    answered question cannot be answered again by a stray tap.
    """
    await answer(update, context)
    assert update.effective_chat is not None
    await close_phone_keyboard(update, context)
    remembered = context.user_data if context.user_data is not None else {}
    previous = remembered.pop(PROMPT, None)
    if previous is not None:
        with contextlib.suppress(TelegramError):  # already gone, or edited meanwhile
            await context.bot.edit_message_reply_markup(
                update.effective_chat.id, previous, reply_markup=None
            )
    sent = await update.effective_chat.send_message(text, reply_markup=markup)
    if markup is not None:
        remembered[PROMPT] = sent.message_id


async def close_phone_keyboard(update: Update, context: KefuContext) -> None:
    """Take the phone keyboard away if a step left it up: Back, Cancel or a timeout leave the
    phone step without the number that would have closed it."""
    if context.user_data is None or not context.user_data.pop(PHONE_KEYBOARD, False):
        return
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        context.t.t("Your phone number is unchanged."),
        reply_markup=ReplyKeyboardRemove(),
    )


async def cancel(update: Update, context: KefuContext) -> int:
    drop_draft(context)
    await say(
        update,
        context,
        context.t.t("Cancelled. Nothing was sent to our team. How else can we help?"),
        main_menu(context.t),
    )
    return END


async def timed_out(update: Update, context: KefuContext) -> None:
    drop_draft(context)
    if update.effective_chat is not None:
        await close_phone_keyboard(update, context)
        await context.bot.send_message(
            update.effective_chat.id,
            context.t.t(
                "We stopped here because there was no answer for a while. Nothing was sent to "
                "our team; send /start when you are ready to begin again."
            ),
        )


async def lost(update: Update, context: KefuContext) -> int:
    """The flow's answers are gone (erased on request, or never stored before consent and
    lost in a restart): say so and end the flow instead of failing at every message."""
    await say(
        update,
        context,
        context.t.t(
            "That request is no longer in progress, and nothing from it was sent to our team. "
            "How can we help?"
        ),
        main_menu(context.t),
    )
    return END


def _with_draft(handler: BaseHandler) -> BaseHandler:
    callback = handler.callback
    if getattr(callback, "checks_draft", False):  # the steps are module-level: built once
        return handler

    @wraps(callback)
    async def checked(update: Update, context: KefuContext) -> Any:
        if not has_draft(context):
            return await lost(update, context)
        return await callback(update, context)

    checked.checks_draft = True  # type: ignore[attr-defined]
    handler.callback = checked
    return handler


class Flow:
    """One guided conversation: its steps, and moving between them."""

    def __init__(self, name: str, *, summary: int | None = None) -> None:
        self.name = name
        self.summary = summary  # the confirm step, where "Edit …" answers return to
        self.steps: dict[int, Step] = {}
        self.edit_button = Button(name, "edit", str)  # the summary's "Edit <field>"
        self.files_done: Button[Any] = Button(name, "files:done")

    async def proceed(self, update: Update, context: KefuContext, state: int) -> int:
        """Go on to `state`, or straight back to the summary when one answer was being edited."""
        current = draft(context)
        if current.editing and self.summary is not None:
            current.editing = False
            state = self.summary
        return await self.goto(update, context, state)

    async def edit(self, update: Update, context: KefuContext, state: int) -> int:
        draft(context).editing = True
        return await self.goto(update, context, state)

    def entry_points(self, begin: Callback, menu: Button[Any], link: str) -> list[BaseHandler]:
        """How the flow is entered: its main-menu button (an old menu's too), or the deep link
        `t.me/<bot>?start=<link>` (a QR code on a product, a link on a receipt), which Telegram
        delivers as `/start <link>`."""
        enter = self.entry(begin)
        return [
            CallbackQueryHandler(enter, pattern=menu.pattern),
            CommandHandler("start", enter, filters=filters.Regex(rf"^/start {re.escape(link)}$")),
        ]

    def entry(self, begin: Callback) -> Callback:
        """`begin`, unless another flow is under way: then the customer is asked to finish or
        cancel that one first, and its answers stay."""

        async def enter(update: Update, context: KefuContext) -> int | None:
            if has_draft(context) and draft(context).flow != self.name:
                busy = context.t.t("Please finish this request first, or press Cancel.")
                if not await answer(update, context, busy, alert=True):
                    await reply(update, busy)
                return None
            return await begin(update, context)

        return enter

    def edit_handler(self, editable: dict[str, int]) -> CallbackQueryHandler:
        """The summary's "Edit …" buttons (`edit_button`): ask that one field again."""

        async def edit_field(update: Update, context: KefuContext) -> int:
            state = editable.get(self.edit_button.value(update) or "")
            if state is None:
                return await self.again(update, context)
            return await self.edit(update, context, state)

        return CallbackQueryHandler(edit_field, pattern=self.edit_button.pattern)

    def files_step(self, state: int, next_state: int) -> Step:
        """Any number of photos or documents, then Done."""

        async def ask(update: Update, context: KefuContext) -> None:
            count = len(draft(context).answers.get("attachments", []))
            text = context.t.t(
                "Send photos or documents that show the problem (up to {n}), then press Done.",
                n=context.kefu.config.fair_use.max_files_per_request,
            )
            if count:
                received = context.t.tn("{n} file received.", "{n} files received.", count)
                text = f"{received} {text}"
            done = InlineKeyboardButton(context.t.t("Done"), callback_data=self.files_done.data())
            await say(update, context, text, keyboard(context, [[done]]))

        async def got_file(update: Update, context: KefuContext) -> int:
            assert update.effective_message is not None
            files = draft(context).answers.setdefault("attachments", [])
            limit = context.kefu.config.fair_use.max_files_per_request
            if len(files) >= limit:  # each one is posted into the staff group's topic
                await reply(
                    update,
                    context.t.t(
                        "That is as many files as one request can take ({n}). Press Done to go "
                        "on; you can send more once the ticket is open.",
                        n=limit,
                    ),
                )
            else:
                files.append(attachments.from_message(update.effective_message))
            return await self.goto(update, context, state)

        async def done(update: Update, context: KefuContext) -> int:
            return await self.proceed(update, context, next_state)

        return Step(
            ask,
            [
                MessageHandler(attachments.FILES & ~filters.UpdateType.EDITED_MESSAGE, got_file),
                CallbackQueryHandler(done, pattern=self.files_done.pattern),
            ],
        )

    async def goto(self, update: Update, context: KefuContext, state: int) -> int:
        current = draft(context)
        if not current.history or current.history[-1] != state:
            current.history.append(state)
        await self.steps[state].ask(update, context)
        return state

    async def back(self, update: Update, context: KefuContext) -> int:
        current = draft(context)
        if len(current.history) > 1:
            current.history.pop()
        return await self.goto(update, context, current.history[-1])

    async def again(self, update: Update, context: KefuContext) -> int:
        """The answer did not fit this step: say what is expected and ask the same again."""
        current = draft(context)
        query = update.callback_query
        if query and ANY_MENU.pressed(update):
            await answer(
                update,
                context,
                context.t.t("Please finish this request first, or press Cancel."),
                alert=True,
            )
        elif query:
            await answer(update, context, context.t.t("This button is no longer valid."))
        elif update.effective_message is not None:
            await update.effective_message.reply_text(
                context.t.t("Sorry, that is not what I need here. Please answer the question:")
            )
        return await self.goto(update, context, current.history[-1])

    def build(
        self, entry_points: list[BaseHandler], timeout_minutes: float
    ) -> ConversationHandler:
        # Every step needs the draft its entry point started.
        shared: list[BaseHandler] = [
            _with_draft(CallbackQueryHandler(self.back, pattern=BACK.pattern)),
            _with_draft(CallbackQueryHandler(cancel, pattern=CANCEL.pattern)),
            _with_draft(MessageHandler(NEW_MESSAGE, self.again)),
            _with_draft(CallbackQueryHandler(self.again)),
        ]
        states: dict[object, list[BaseHandler]] = {
            state: [*map(_with_draft, step.handlers), *shared]
            for state, step in self.steps.items()
        }
        states[ConversationHandler.TIMEOUT] = [TypeHandler(Update, timed_out)]
        with warnings.catch_warnings():
            # per_message=False is intended: a flow follows the chat, not one message.
            warnings.simplefilter("ignore", PTBUserWarning)
            return ConversationHandler(
                entry_points=entry_points,
                states=states,
                fallbacks=[CommandHandler(["cancel", "start", "menu"], cancel)],
                conversation_timeout=timeout_minutes * 60,
                name=self.name,
                persistent=True,  # a restart of the bot keeps the customer's place
                allow_reentry=True,
            )


async def fits(update: Update, context: KefuContext, text: str) -> bool:
    """Whether a free-text answer is short enough to keep; if not, say so (the caller re-asks)."""
    limit = context.kefu.config.fair_use.max_text_length
    if len(text) <= limit:
        return True
    await reply(
        update,
        context.t.t(
            "That is a bit long: please keep it under {limit} characters. You can send more "
            "details after the ticket is open.",
            limit=limit,
        ),
    )
    return False


def text_answer(update: Update) -> str:
    assert update.effective_message is not None and update.effective_message.text is not None
    return update.effective_message.text.strip()


async def reply(update: Update, text: str) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(text)
