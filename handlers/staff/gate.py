"""The staff gate: who may act on the staff desk, and which ticket a staff message is about.

Every staff command and button passes `admit_staff` first (applied once, in
`handlers.staff.build_handlers`): membership of the staff chat is asked of Telegram (cached),
because commands can be typed anywhere and callback data can be forged. A refusal goes to
someone who is not staff, so it speaks their own language; staff read the desk in the
business's staff language.
"""

from __future__ import annotations

from telegram import Update, User

from bot.context import KefuContext
from bot.i18n import Translator
from domain.desk import card as desk_card
from handlers.common.answers import answer
from storage import tickets
from storage.events import Actor

USERNAMES = "desk_usernames"  # bot_data: lower-case username -> (telegram id, display name)


def staff_words(context: KefuContext) -> Translator:
    return desk_card.staff_translator(context.kefu)


async def admit_staff(update: Update, context: KefuContext) -> bool:
    """A staff member in the staff chat is admitted (as `context.staff_actor`); anyone else
    is refused politely."""
    context.staff_actor = await staff_actor(update, context)
    return context.staff_actor is not None


def acting(context: KefuContext) -> Actor:
    """The staff member the gate admitted for this update."""
    assert context.staff_actor is not None, "staff handlers run behind the staff gate"
    return context.staff_actor


async def staff_actor(update: Update, context: KefuContext) -> Actor | None:
    """The staff member acting in the staff chat, or None after a polite refusal."""
    kefu = context.kefu
    user, chat = update.effective_user, update.effective_chat
    staff_chat_id = kefu.settings.staff_chat_id
    member = await kefu.staff.is_member(context.bot, staff_chat_id, user.id if user else None)
    if member and chat is not None and chat.id == staff_chat_id:
        assert user is not None
        remember(context, user)
        return Actor.staff(user.id, user.full_name)
    if member:
        refusal = context.t.t("Please use this command in the staff chat.")
    else:
        refusal = context.t.t("Sorry, only our support team can do that.")
    if update.callback_query:
        await answer(update, context, refusal, alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(refusal)
    return None


def remember(context: KefuContext, user: User) -> None:
    """Telegram cannot look users up by username, so /assign @name uses staff seen at work."""
    if user.username:
        known = context.bot_data.setdefault(USERNAMES, {})
        known[user.username.lower()] = (user.id, user.full_name)


def known_username(context: KefuContext, username: str) -> tuple[int, str] | None:
    found = context.bot_data.get(USERNAMES, {}).get(username.lstrip("@").lower())
    return tuple(found) if found else None  # type: ignore[return-value]


async def topic_ticket_id(
    update: Update, context: KefuContext, *, quiet: bool = False
) -> int | None:
    """The ticket whose topic the message was sent in; else None, after saying so unless quiet."""
    message = update.effective_message
    assert message is not None
    if message.is_topic_message and message.message_thread_id is not None:
        async with context.kefu.db.read_only() as session:
            ticket = await tickets.get_by_topic(
                session, message.chat_id, message.message_thread_id
            )
        if ticket is not None:
            return ticket.id
    if not quiet:
        await message.reply_text(
            staff_words(context).t("Use this command inside a ticket's topic.")
        )
    return None
