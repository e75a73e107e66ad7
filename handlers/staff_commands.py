"""Staff commands in a ticket's topic and the ticket card's buttons.

/note, /assign, /priority, /resolve, /reopen and /close change the ticket of the topic they are
sent in; the card's buttons (Claim, Set priority, Resolve, Reopen, Close) do the same through
the same functions. Each change is recorded as a ticket event by the repositories and confirmed
with a short line in the topic.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot import desk, desk_card
from bot.context import KefuContext
from handlers.staff_access import known_username, staff_actor, staff_words, topic_ticket_id
from storage import events, tickets
from storage.enums import EventKind, Priority, TicketStatus
from storage.events import Actor
from storage.models import Ticket

# --- what changes a ticket (shared by commands and buttons) -------------------------------------


@asynccontextmanager
async def locked_ticket(
    context: KefuContext, ticket_id: int
) -> AsyncIterator[tuple[AsyncSession, Ticket]]:
    """A unit of work holding the ticket's row, so two staff actions run one after the other."""
    async with context.kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        assert ticket is not None, "tickets are never deleted"
        yield session, ticket


async def assign(
    context: KefuContext, ticket_id: int, actor: Actor, assignee: tuple[int, str]
) -> str:
    t = staff_words(context)
    async with locked_ticket(context, ticket_id) as (session, ticket):
        changed = await tickets.assign(
            session,
            ticket,
            assignee_telegram_id=assignee[0],
            assignee_name=assignee[1],
            actor=actor,
            now=context.kefu.clock.now(),
        )
    if changed:
        return t.t(
            "{name} now handles this ticket (assigned by {actor}).",
            name=assignee[1],
            actor=actor.name,
        )
    return t.t("{name} already handles this ticket.", name=assignee[1])


async def set_priority(
    context: KefuContext, ticket_id: int, actor: Actor, priority: Priority
) -> str:
    t = staff_words(context)
    async with locked_ticket(context, ticket_id) as (session, ticket):
        changed = await tickets.set_priority(
            session, ticket, priority, actor=actor, now=context.kefu.clock.now()
        )
    name = desk_card.priority_name(t, priority)
    if changed:
        return t.t("Priority set to {priority} by {name}.", priority=name, name=actor.name)
    return t.t("The priority already is {priority}.", priority=name)


async def resolve(
    context: KefuContext, ticket_id: int, actor: Actor, comment: str | None = None
) -> str:
    t = staff_words(context)
    outcome = await desk.resolve_ticket(context.bot, context.kefu, ticket_id, actor, comment)
    if not outcome.changed:
        return t.t("This ticket is not open, so there is nothing to resolve.")
    if outcome.customer_told:
        return t.t(
            "Resolved by {name}. The customer has been told and can reopen it within {days} days.",
            name=actor.name,
            days=context.kefu.config.support.reopen_days,
        )
    return t.t(
        "Resolved by {name}, but the customer could not be told: they cannot be reached.",
        name=actor.name,
    )


async def reopen(context: KefuContext, ticket_id: int, actor: Actor) -> str:
    t = staff_words(context)
    outcome = await desk.reopen_ticket(context.bot, context.kefu, ticket_id, actor)
    if outcome.changed:
        return t.t("Reopened by {name}.", name=actor.name)
    return t.t("This ticket is already open.")


async def close(context: KefuContext, ticket_id: int, actor: Actor) -> str:
    t = staff_words(context)
    outcome = await desk.close_ticket(context.bot, context.kefu, ticket_id, actor)
    if outcome.changed:
        return t.t("Closed by {name}.", name=actor.name)
    return t.t("This ticket is already closed.")


# --- commands -----------------------------------------------------------------------------------


def command_text(message: Message) -> str:
    """What follows the command, line breaks kept (context.args would drop them)."""
    text = message.text or ""
    command = next(
        (e for e in message.entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0),
        None,
    )
    return text[command.length if command else 0 :].strip()


TicketCommand = Callable[[Update, KefuContext, int, Actor], Awaitable[str | None]]


def in_ticket_topic(command: TicketCommand) -> Callable[[Update, KefuContext], Awaitable[None]]:
    """Staff only, inside a ticket's topic; the command's answer is posted in the topic."""

    async def handler(update: Update, context: KefuContext) -> None:
        actor = await staff_actor(update, context)
        if actor is None:
            return
        ticket_id = await topic_ticket_id(update, context)
        if ticket_id is None:
            return
        answer = await command(update, context, ticket_id, actor)
        if answer and update.effective_message is not None:
            await update.effective_message.reply_text(answer)

    handler.__name__ = handler.__qualname__ = command.__name__
    return handler


@in_ticket_topic
async def note(update: Update, context: KefuContext, ticket_id: int, actor: Actor) -> str | None:
    assert update.effective_message is not None
    t = staff_words(context)
    text = command_text(update.effective_message)
    if not text:
        return t.t("Usage: /note followed by your note for colleagues.")
    async with locked_ticket(context, ticket_id) as (session, ticket):
        await events.append(
            session,
            ticket,
            EventKind.INTERNAL_NOTE,
            actor,
            now=context.kefu.clock.now(),
            text=text,
        )
    return t.t("Internal note saved. The customer does not see it.")


@in_ticket_topic
async def assign_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    message = update.effective_message
    assert message is not None and actor.telegram_id is not None
    t = staff_words(context)
    assignee = _assignee_named(message, context)
    if assignee is None and context.args:
        return t.t(
            "I don't know {username} yet: ask them to send a message in this chat once, or "
            "reply to one of their messages with /assign.",
            username=context.args[0],
        )
    assignee = assignee or (actor.telegram_id, actor.name or str(actor.telegram_id))
    if not await context.kefu.staff.is_member(
        context.bot, context.kefu.settings.staff_chat_id, assignee[0]
    ):
        return t.t("{name} is not a member of the staff chat.", name=assignee[1])
    return await assign(context, ticket_id, actor, assignee)


def _assignee_named(message: Message, context: KefuContext) -> tuple[int, str] | None:
    """Whom /assign names: a mention, a username seen before, or the author replied to."""
    for entity in message.entities:
        if entity.type == MessageEntity.TEXT_MENTION and entity.user:
            return entity.user.id, entity.user.full_name
    if context.args:
        return known_username(context, context.args[0])
    replied = message.reply_to_message
    # In a forum every message "replies" to the topic's opening service message: not a person.
    if replied and replied.from_user and not replied.from_user.is_bot:
        if replied.forum_topic_created:
            return None
        return replied.from_user.id, replied.from_user.full_name
    return None


@in_ticket_topic
async def priority_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    choice = (context.args or [""])[0].lower()
    if choice not in set(Priority):
        return staff_words(context).t("Usage: /priority low|normal|high|urgent")
    return await set_priority(context, ticket_id, actor, Priority(choice))


@in_ticket_topic
async def resolve_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    assert update.effective_message is not None
    return await resolve(context, ticket_id, actor, command_text(update.effective_message) or None)


@in_ticket_topic
async def reopen_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    return await reopen(context, ticket_id, actor)


@in_ticket_topic
async def wait_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    """Waiting for the customer: the resolution timer pauses until they write again."""
    t = staff_words(context)
    async with locked_ticket(context, ticket_id) as (session, ticket):
        if ticket.status != TicketStatus.OPEN:
            return t.t("Only an open ticket can wait for the customer.")
        await tickets.set_status(
            session,
            ticket,
            TicketStatus.WAITING_CUSTOMER,
            actor=actor,
            now=context.kefu.clock.now(),
        )
    return t.t("Waiting for the customer: the resolution timer is paused until they write again.")


@in_ticket_topic
async def close_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    return await close(context, ticket_id, actor)


# --- the card's buttons -------------------------------------------------------------------------


async def on_button(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    actor = await staff_actor(update, context)
    if actor is None:
        return
    t = staff_words(context)
    button = desk_card.DeskButton.parse(query.data)
    card = query.message if isinstance(query.message, Message) else None
    ticket = None
    if button is not None and card is not None:
        async with context.kefu.db.read_only() as session:
            ticket = await tickets.get(session, button.ticket_id)
    if button is None or card is None or ticket is None:
        await query.answer(t.t("This button is no longer valid."))
        return
    await query.answer()
    if button.action == "priority":
        await _edit_card(card, markup=desk_card.priority_keyboard(t, ticket))
        return
    said: str | None = None
    match button.action:
        case "claim":
            assert actor.telegram_id is not None
            me = (actor.telegram_id, actor.name or str(actor.telegram_id))
            said = await assign(context, ticket.id, actor, me)
        case "setpriority":
            said = await set_priority(context, ticket.id, actor, Priority(button.arg))
        case "resolve":
            said = await resolve(context, ticket.id, actor)
        case "reopen":
            said = await reopen(context, ticket.id, actor)
        case "close":
            said = await close(context, ticket.id, actor)
    if said:
        await context.bot.send_message(
            card.chat_id, said, message_thread_id=card.message_thread_id
        )
    await refresh_card(context, card, ticket.id)  # "card" (Back) only does this


async def refresh_card(context: KefuContext, card: Message, ticket_id: int) -> None:
    """Show the ticket's current state on its card, with the buttons that fit that state."""
    t = staff_words(context)
    async with context.kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    assert ticket is not None
    await _edit_card(
        card,
        text=desk_card.render_card(context.kefu, t, ticket),
        markup=desk_card.card_keyboard(t, ticket),
    )


async def _edit_card(
    card: Message, *, markup: InlineKeyboardMarkup, text: str | None = None
) -> None:
    try:
        if text is None:
            await card.edit_reply_markup(markup)
        else:
            await card.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    except BadRequest as error:
        # Telegram answers 400 "message is not modified" when nothing changed.
        if "not modified" not in error.message.lower():
            raise
