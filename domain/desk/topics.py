"""One forum topic per ticket in the staff chat: opening it, and copying the customer in.

None of this calls Telegram inside a database transaction (RELIABILITY.md): each step reads or
writes in a unit of work (the ticket's own changes in `domain.desk.lifecycle`), closes it, then
sends. `domain.desk.jobs` announces any active ticket still without a topic, so a crash
between a ticket's commit and its announcement loses nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot, Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.i18n import Translator
from bot.services import Kefu
from bot.shown_messages import Shown, as_shown
from domain.desk import lifecycle
from domain.desk.card import card_keyboard, card_tags, render_card, staff_translator, topic_name
from domain.desk.topic_edits import edit_card, rename_topic
from storage import attachments, erasure, events, tickets
from storage.enums import AttachmentKind, EventKind
from storage.models import Attachment, TicketEvent

logger = logging.getLogger("kefu.desk")

CAPTION_LIMIT = 1024
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
    ticket = await lifecycle.link_topic(kefu, ticket_id, chat_id, thread)
    if ticket is None:  # another announcement linked its topic first
        await bot.delete_forum_topic(chat_id, thread)
        return
    card = render_card(kefu, t, ticket, await card_tags(kefu, ticket))
    keyboard = card_keyboard(t, ticket)
    async with kefu.db.read_only() as session:
        # What the customer sent before the topic existed, to copy in after the card.
        record = await events.history(session, ticket_id)
        files = await attachments.for_ticket(session, ticket_id)
    posted = await bot.send_message(
        chat_id, card, parse_mode=ParseMode.HTML, reply_markup=keyboard, message_thread_id=thread
    )
    await lifecycle.remember_card(kefu, ticket, posted.message_id, title=name)
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


async def relay_customer_message(
    bot: Bot, kefu: Kefu, ticket_id: int, message: Message
) -> lifecycle.CustomerMessage | None:
    """Record what the customer wrote on the ticket and queue its copy into the ticket's topic
    (`domain.desk.relay.flush` posts it when `topic` is set); None when nothing was recorded
    (see `lifecycle.record_customer_message`).

    Recorded first, with the copy queued in the same transaction: if the copy fails, or the
    process dies before it, the words are in the service record and the desk job copies them.
    """
    recorded = await lifecycle.record_customer_message(kefu, ticket_id, message)
    if recorded is None or recorded.topic is None:
        return recorded  # the announcement copies the record into the topic when it opens
    if recorded.reopened:
        chat_id, thread = recorded.topic
        t = staff_translator(kefu)
        try:
            await bot.send_message(
                chat_id,
                t.t("The customer wrote again: ticket reopened."),
                message_thread_id=thread,
            )
        except TelegramError:
            logger.warning("could not tell topic %s of the reopening", thread, exc_info=True)
    return recorded


# --- erased personal data ------------------------------------------------------------------------

ERASURE_NOTICE_LEASE = timedelta(minutes=5)  # a notice cut short is taken up again after this


async def show_erased(bot: Bot, kefu: Kefu, ticket_ids: Sequence[int]) -> None:
    """Rename each erased ticket's topic, edit its card and tell staff why.

    Called right after an erasure commits, and by `domain.desk.jobs` for whatever a crash or a
    Telegram failure left queued (`storage.erasure` queues each one in the erasure itself).
    """
    for ticket_id in ticket_ids:
        await _show_erased(bot, kefu, ticket_id)


async def _show_erased(bot: Bot, kefu: Kefu, ticket_id: int) -> None:
    async with kefu.db.unit_of_work() as session:
        now = kefu.clock.now()
        if not await erasure.claim_notice(session, ticket_id, now=now, lease=ERASURE_NOTICE_LEASE):
            return  # done already, or another instance is on it
        ticket = await tickets.get(session, ticket_id)
    if ticket is None or ticket.staff_chat_id is None or ticket.staff_topic_id is None:
        return
    t = staff_translator(kefu)
    said = (
        t.t("The customer erased their personal data: this ticket is now an anonymous record.")
        if ticket.erased_by == "customer"
        else t.t(
            "The retention period has passed: this ticket's personal data was erased and it is "
            "now an anonymous record."
        )
    )
    chat_id, thread = ticket.staff_chat_id, ticket.staff_topic_id
    card = render_card(kefu, t, ticket, await card_tags(kefu, ticket))
    keyboard = card_keyboard(t, ticket)
    try:
        await rename_topic(bot, chat_id, thread, topic_name(t, ticket))
        if ticket.staff_card_message_id is None:  # announced before cards were remembered
            await bot.send_message(
                chat_id,
                card,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard,
                message_thread_id=thread,
            )
        else:
            await edit_card(bot, chat_id, ticket.staff_card_message_id, card, keyboard)
            # The card stays due (the erasure closed the ticket): its job, once this notice is
            # done, finds the card shown as it would show it, and leaves it.
            kefu.shown.note(
                chat_id, ticket.staff_card_message_id, Shown(as_shown(card, True), keyboard)
            )
        await bot.send_message(chat_id, said, message_thread_id=thread)
    except TelegramError as error:
        # The record is anonymous either way; the lease runs out and the job tries again.
        logger.warning("could not mark ticket %s erased in its topic: %s", ticket_id, error)
        return
    async with kefu.db.unit_of_work() as session:
        await erasure.notice_done(session, ticket_id, title=topic_name(t, ticket))
