"""Staff commands in a ticket's topic: /note, /assign, /priority, /wait, /resolve, /reopen, /close.

Each changes the ticket of the topic it is sent in through `domain.desk.lifecycle` (the card's
buttons, in `handlers.staff.card_buttons`, call the same functions) and is confirmed with a
short line in the topic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, MessageEntity, Update

from bot.context import KefuContext
from domain.desk import lifecycle, wording
from domain.sla.alerts import deliver_soon
from handlers.staff.gate import acting, known_username, staff_words, topic_ticket_id
from storage.enums import Priority
from storage.events import Actor

# --- what changes a ticket (shared by commands and buttons) -------------------------------------


async def assign(
    context: KefuContext, ticket_id: int, actor: Actor, assignee: tuple[int, str]
) -> str:
    t = staff_words(context)
    if await lifecycle.assign(context.kefu, ticket_id, actor, assignee):
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
    changed = await lifecycle.set_priority(context.kefu, ticket_id, actor, priority)
    name = wording.priority_name(t, priority)
    if changed:
        return t.t("Priority set to {priority} by {name}.", priority=name, name=actor.name)
    return t.t("The priority already is {priority}.", priority=name)


async def resolve(
    context: KefuContext, ticket_id: int, actor: Actor, comment: str | None = None
) -> str:
    t = staff_words(context)
    outcome = await lifecycle.resolve(context.bot, context.kefu, ticket_id, actor, comment)
    if not outcome.changed:
        return t.t("This ticket is not open, so there is nothing to resolve.")
    deliver_soon(context.job_queue)  # an emergency's request for its cause, claimed with it
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
    outcome = await lifecycle.reopen(context.bot, context.kefu, ticket_id, actor)
    if outcome.changed:
        return t.t("Reopened by {name}.", name=actor.name)
    return t.t("This ticket is already open.")


async def close(context: KefuContext, ticket_id: int, actor: Actor) -> str:
    t = staff_words(context)
    outcome = await lifecycle.close(context.bot, context.kefu, ticket_id, actor)
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
    """Inside a ticket's topic only; the command's answer is posted in the topic."""

    async def handler(update: Update, context: KefuContext) -> None:
        actor = acting(context)
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
    await lifecycle.add_note(context.kefu, ticket_id, actor, text)
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
    if not await lifecycle.wait_for_customer(context.kefu, ticket_id, actor):
        return t.t("Only an open ticket can wait for the customer.")
    return t.t("Waiting for the customer: the resolution timer is paused until they write again.")


@in_ticket_topic
async def close_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    return await close(context, ticket_id, actor)
