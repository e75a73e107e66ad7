"""The staff desk: one forum topic per ticket in the staff chat, and the traffic through it.

Handlers and jobs call these services; none of them calls Telegram inside a database
transaction (RELIABILITY.md): each reads or writes in a unit of work, closes it, then sends.
`announce_pending` (every 30 s) announces any active ticket still without a topic, so a crash
between a ticket's commit and its announcement loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackContext, JobQueue

from bot.desk_card import (
    card_keyboard,
    customer_translator,
    render_card,
    staff_translator,
    topic_name,
)
from bot.i18n import Translator
from bot.services import Kefu
from storage import attachments, customers, events, tickets
from storage.enums import AttachmentKind, EventKind, TicketStatus
from storage.events import Actor
from storage.models import Attachment, Ticket, TicketEvent

logger = logging.getLogger("kefu.desk")
T = TypeVar("T")

CAPTION_LIMIT = 1024
ANNOUNCE_INTERVAL_SECONDS = 30
CLOSE_INTERVAL_SECONDS = 600
_BATCH = 20
# Tickets being announced right now, per Kefu instance: the job and the intake handler may both
# try the same fresh ticket. Between processes, the unit of work linking the topic decides.
_announcing: set[tuple[int, int]] = set()


# --- announcing a ticket ------------------------------------------------------------------------


async def announce_ticket(bot: Bot, kefu: Kefu, ticket_id: int) -> None:
    """Open the ticket's topic with its card and everything the customer sent; idempotent."""
    chat_id = kefu.settings.staff_chat_id
    key = (id(kefu), ticket_id)
    if chat_id is None or key in _announcing:
        return
    _announcing.add(key)
    try:
        await _announce(bot, kefu, chat_id, ticket_id)
    finally:
        _announcing.discard(key)


async def _announce(bot: Bot, kefu: Kefu, chat_id: int, ticket_id: int) -> None:
    t = staff_translator(kefu)
    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
        if ticket is None or ticket.staff_topic_id is not None:
            return
        name = topic_name(t, ticket)
    topic = await bot.create_forum_topic(chat_id, name)
    thread = topic.message_thread_id
    # Linked before anything is posted: from this moment staff replies and commands in the
    # topic reach the ticket, and customer messages are relayed into it as they come. (A crash
    # before the card is posted leaves a topic without its card; the record is intact and
    # /ticket shows it. Linking last instead could drop a fast staff reply without a word.)
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        won = ticket is not None and ticket.staff_topic_id is None
        if won:
            assert ticket is not None
            await tickets.set_topic(session, ticket, chat_id, thread, now=kefu.clock.now())
            card = render_card(kefu, t, ticket)
            keyboard = card_keyboard(t, ticket)
            # What the customer sent before the topic existed, to copy in after the card.
            record = await events.history(session, ticket_id)
            files = await attachments.for_ticket(session, ticket_id)
    if not won:  # another announcement linked its topic first
        await bot.delete_forum_topic(chat_id, thread)
        return
    await bot.send_message(
        chat_id, card, parse_mode=ParseMode.HTML, reply_markup=keyboard, message_thread_id=thread
    )
    await _post_history(bot, kefu, t, (chat_id, thread), record, files)


async def _post_history(
    bot: Bot,
    kefu: Kefu,
    t: Translator,
    where: tuple[int, int],
    record: Sequence[TicketEvent],
    files: Sequence[Attachment],
) -> None:
    """The customer's words and files from `record`, in order, for a topic that missed them."""
    chat_id, thread = where
    by_event: dict[int | None, list[Attachment]] = {}
    for file in files:
        by_event.setdefault(file.event_id, []).append(file)
    for event in record:
        words = event.text if event.kind == EventKind.CUSTOMER_MESSAGE else None
        event_files = by_event.get(event.id, [])
        if words and not event_files:
            header = t.t(
                "The customer wrote ({time}):",
                time=t.format_time(event.created_at, kefu.timezone),
            )
            await bot.send_message(chat_id, f"{header}\n{words}", message_thread_id=thread)
        for index, file in enumerate(event_files):
            caption = words[:CAPTION_LIMIT] if words and index == 0 else None
            await _send_file(bot, chat_id, thread, file, caption)


async def _send_file(
    bot: Bot, chat_id: int, thread: int, file: Attachment, caption: str | None
) -> None:
    send = {
        AttachmentKind.PHOTO: bot.send_photo,
        AttachmentKind.VIDEO: bot.send_video,
        AttachmentKind.DOCUMENT: bot.send_document,
    }[file.kind]
    await send(chat_id, file.telegram_file_id, caption=caption, message_thread_id=thread)


# --- messages between customer and topic --------------------------------------------------------


async def relay_customer_message(bot: Bot, kefu: Kefu, ticket_id: int, message: Message) -> None:
    """Record what the customer wrote on the ticket, then copy it into the ticket's topic.

    Recorded first: if the copy fails, the words are still in the service record.
    """
    t = staff_translator(kefu)
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None:
            return
        actor = Actor.customer(ticket.customer)
        event = await events.append(
            session,
            ticket,
            EventKind.CUSTOMER_MESSAGE,
            actor,
            now=now,
            text=message.text or message.caption,
        )
        file = file_of(message)
        if file is not None:
            await attachments.add(session, ticket, actor=actor, now=now, event=event, **file)
        reopened = ticket.status == TicketStatus.RESOLVED
        if ticket.status in (TicketStatus.WAITING_CUSTOMER, TicketStatus.RESOLVED):
            await tickets.set_status(session, ticket, TicketStatus.OPEN, actor=actor, now=now)
        await customers.mark_reachable(session, ticket.customer, now=now)
        chat_id, thread = ticket.staff_chat_id, ticket.staff_topic_id
    if chat_id is None or thread is None:
        return  # the announcement copies the record into the topic when it opens
    try:
        if reopened:
            await bot.send_message(
                chat_id,
                t.t("The customer wrote again: ticket reopened."),
                message_thread_id=thread,
            )
        needs_header = file is not None and not message.caption
        await bot.copy_message(
            chat_id,
            message.chat_id,
            message.message_id,
            message_thread_id=thread,
            caption=t.t("From the customer") if needs_header else None,
        )
    except TelegramError:
        logger.warning("could not copy a customer message into topic %s", thread, exc_info=True)


def file_of(message: Message) -> dict[str, object] | None:
    """The attachment fields of a photo, document or video message, else None."""
    if message.photo:
        photo = message.photo[-1]
        return {
            "kind": AttachmentKind.PHOTO,
            "telegram_file_id": photo.file_id,
            "telegram_file_unique_id": photo.file_unique_id,
            "mime_type": "image/jpeg",
            "size": photo.file_size,
        }
    media = message.document or message.video
    if media is None:
        return None
    return {
        "kind": AttachmentKind.DOCUMENT if message.document else AttachmentKind.VIDEO,
        "telegram_file_id": media.file_id,
        "telegram_file_unique_id": media.file_unique_id,
        "file_name": media.file_name,
        "mime_type": media.mime_type,
        "size": media.file_size,
    }


async def reach_customer(
    kefu: Kefu, customer_id: int, send: Callable[[], Awaitable[T]]
) -> T | None:
    """Send to a customer; None (and the customer marked unreachable) if Telegram refuses."""
    try:
        return await send()
    except (Forbidden, BadRequest) as error:
        if isinstance(error, BadRequest) and "chat not found" not in error.message.lower():
            raise
        async with kefu.db.unit_of_work() as session:
            customer = await customers.get(session, customer_id)
            if customer is not None:
                await customers.mark_unreachable(session, customer, now=kefu.clock.now())
        return None


# --- resolving, reopening, closing --------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    changed: bool  # False: the ticket was already in that state (or is gone)
    customer_told: bool = False


async def resolve_ticket(
    bot: Bot, kefu: Kefu, ticket_id: int, actor: Actor, comment: str | None = None
) -> Outcome:
    """Mark the ticket resolved, then tell the customer, in their language, how to reopen it."""
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None or not ticket.status.is_active:
            return Outcome(changed=False)
        await tickets.set_status(
            session, ticket, TicketStatus.RESOLVED, actor=actor, now=kefu.clock.now(), text=comment
        )
    customer = ticket.customer
    words = customer_translator(kefu, customer).t(
        "Your ticket {number} has been resolved. If something is still not right, just write "
        "here within {days} days and we will reopen it.",
        number=ticket.number,
        days=kefu.config.support.reopen_days,
    )
    sent = await reach_customer(
        kefu, customer.id, lambda: bot.send_message(customer.telegram_id, words)
    )
    return Outcome(changed=True, customer_told=sent is not None)


async def reopen_ticket(bot: Bot, kefu: Kefu, ticket_id: int, actor: Actor) -> Outcome:
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None or ticket.status.is_active:
            return Outcome(changed=False)
        was_closed = ticket.status == TicketStatus.CLOSED
        await tickets.set_status(
            session, ticket, TicketStatus.OPEN, actor=actor, now=kefu.clock.now()
        )
    if was_closed and ticket.staff_chat_id and ticket.staff_topic_id:
        await _set_topic_open(bot, ticket, open_=True)
    return Outcome(changed=True)


async def close_ticket(bot: Bot, kefu: Kefu, ticket_id: int, actor: Actor) -> Outcome:
    """Close the ticket for good and close its forum topic."""
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id, for_update=True)
        if ticket is None or ticket.status == TicketStatus.CLOSED:
            return Outcome(changed=False)
        await tickets.set_status(
            session, ticket, TicketStatus.CLOSED, actor=actor, now=kefu.clock.now()
        )
    if ticket.staff_chat_id and ticket.staff_topic_id:
        await _set_topic_open(bot, ticket, open_=False)
    return Outcome(changed=True)


async def _set_topic_open(bot: Bot, ticket: Ticket, *, open_: bool) -> None:
    assert ticket.staff_chat_id is not None and ticket.staff_topic_id is not None
    change = bot.reopen_forum_topic if open_ else bot.close_forum_topic
    try:
        await change(ticket.staff_chat_id, ticket.staff_topic_id)
    except BadRequest as error:
        # Telegram answers TOPIC_NOT_MODIFIED when the topic already is in that state.
        if "not_modified" not in error.message.lower().replace(" ", "_"):
            raise


# --- periodic jobs ------------------------------------------------------------------------------


async def announce_pending(context: CallbackContext) -> None:
    """Job: announce active tickets that have no topic yet (a crash or an outage in between)."""
    kefu: Kefu = context.bot_data.kefu
    if kefu.settings.staff_chat_id is None:
        return
    async with kefu.db.read_only() as session:
        pending = await tickets.active_without_topic(session, limit=_BATCH)
    for ticket_id in pending:
        try:
            await announce_ticket(context.bot, kefu, ticket_id)
        except TelegramError:
            logger.warning("announcing ticket %s failed; will retry", ticket_id, exc_info=True)
            return


async def close_expired(context: CallbackContext) -> None:
    """Job: close resolved tickets whose reopen window has passed."""
    kefu: Kefu = context.bot_data.kefu
    cutoff = kefu.clock.now() - timedelta(days=kefu.config.support.reopen_days)
    async with kefu.db.read_only() as session:
        expired = await tickets.resolved_before(session, cutoff, limit=_BATCH)
    for ticket_id in expired:
        try:
            await close_ticket(context.bot, kefu, ticket_id, Actor.system())
        except TelegramError:
            logger.warning("closing ticket %s failed; will retry", ticket_id, exc_info=True)


def schedule_jobs(job_queue: JobQueue) -> None:
    job_queue.run_repeating(
        announce_pending, interval=ANNOUNCE_INTERVAL_SECONDS, first=0, name="desk:announce"
    )
    job_queue.run_repeating(
        close_expired, interval=CLOSE_INTERVAL_SECONDS, first=60, name="desk:close_expired"
    )
