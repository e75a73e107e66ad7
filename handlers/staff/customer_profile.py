"""The customer behind a ticket, in its topic: /customer shows their profile, tags, notes and
tickets (each with its SLA outcome and rating); /tag, /untag and /customernote change what staff
keep about the customer (not the ticket), each signed with who did it.

Behind the staff gate, inside a ticket's topic only (`commands.in_ticket_topic`). Tags and notes
are personal data about the customer: kept only while they consent, erased with them.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.context import KefuContext
from bot.i18n import Translator
from domain.profiles import fields
from domain.profiles.fields import FieldError, Problem
from domain.profiles.view import StaffView, staff_view
from handlers.staff.commands import command_text, in_ticket_topic
from handlers.staff.gate import staff_words, topic_ticket_id
from storage import customer_history, customer_notes, profiles, tickets
from storage.events import Actor
from storage.profile_models import MAX_NOTE

HISTORY_SHOWN = 10
MAX_TAGS = 20


async def _consented_customer_id(context: KefuContext, ticket_id: int) -> int | None:
    async with context.kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    assert ticket is not None
    customer = ticket.customer
    return customer.id if customer.has_consented else None


def _not_kept(t: Translator) -> str:
    return t.t(
        "The customer withdrew their consent or erased their data, so nothing is kept about them."
    )


async def show_customer(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None
    ticket_id = await topic_ticket_id(update, context)
    if ticket_id is None:
        return
    kefu, t = context.kefu, staff_words(context)
    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
        assert ticket is not None
        customer = ticket.customer
        view = StaffView(
            customer,
            await profiles.products_of(session, customer.id),
            await customer_notes.tags_of(session, customer.id),
            await customer_notes.notes_of(session, customer.id, limit=customer_notes.NOTES_SHOWN),
            await customer_history.history(session, customer.id, limit=HISTORY_SHOWN),
        )
    html = staff_view(kefu.config, t, view, kefu.timezone)
    await message.reply_text(html, parse_mode=ParseMode.HTML)


def _tag_problem(t: Translator, problem: Problem) -> str:
    if problem == Problem.TOO_LONG:
        return t.t("A tag is one word of at most {n} characters.", n=fields.MAX_TAG)
    return t.t("Usage: /tag followed by one word, like /tag vip.")


@in_ticket_topic
async def tag_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    assert update.effective_message is not None and actor.telegram_id is not None
    t = staff_words(context)
    try:
        tag = fields.parse_tag(command_text(update.effective_message))
    except FieldError as error:
        return _tag_problem(t, error.problem)
    customer_id = await _consented_customer_id(context, ticket_id)
    if customer_id is None:
        return _not_kept(t)
    kefu = context.kefu
    async with kefu.db.unit_of_work() as session:
        if len(await customer_notes.tags_of(session, customer_id)) >= MAX_TAGS:
            return t.t("This customer has {n} tags already: remove one first.", n=MAX_TAGS)
        added = await customer_notes.add_tag(
            session,
            customer_id,
            tag,
            by_telegram_id=actor.telegram_id,
            by_name=actor.name,
            now=kefu.clock.now(),
        )
    if not added:
        return t.t("The customer already has the tag {tag}.", tag=tag)
    return t.t("Tag {tag} added to the customer by {name}.", tag=tag, name=actor.name)


@in_ticket_topic
async def untag_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    assert update.effective_message is not None
    t = staff_words(context)
    try:
        tag = fields.parse_tag(command_text(update.effective_message))
    except FieldError:
        return t.t("Usage: /untag followed by the tag to remove, like /untag vip.")
    async with context.kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    assert ticket is not None
    async with context.kefu.db.unit_of_work() as session:
        removed = await customer_notes.remove_tag(
            session, ticket.customer.id, tag, now=context.kefu.clock.now()
        )
    if not removed:
        return t.t("The customer has no tag {tag}.", tag=tag)
    return t.t("Tag {tag} removed from the customer by {name}.", tag=tag, name=actor.name)


@in_ticket_topic
async def customer_note_command(
    update: Update, context: KefuContext, ticket_id: int, actor: Actor
) -> str | None:
    assert update.effective_message is not None and actor.telegram_id is not None
    t = staff_words(context)
    text = command_text(update.effective_message)
    if not text:
        return t.t("Usage: /customernote followed by your note about the customer.")
    if len(text) > MAX_NOTE:
        return t.t(
            "That note is {length} characters long: please keep it under {limit}. "
            "Nothing was saved.",
            length=len(text),
            limit=MAX_NOTE,
        )
    customer_id = await _consented_customer_id(context, ticket_id)
    if customer_id is None:
        return _not_kept(t)
    kefu = context.kefu
    async with kefu.db.unit_of_work() as session:
        await customer_notes.add_note(
            session,
            customer_id,
            text,
            by_telegram_id=actor.telegram_id,
            by_name=actor.name,
            now=kefu.clock.now(),
        )
    return t.t(
        "Note about the customer saved by {name}. The customer does not see it, but it is "
        "part of what they get with /mydata.",
        name=actor.name,
    )
