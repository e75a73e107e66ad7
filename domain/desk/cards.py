"""Ticket cards kept current: every change a card shows (status, priority, assignee, details,
charges, the first response), by a command, a button or a job, edits the card in the topic, and
renames the topic when its title changes (✅ once resolved).

The change marks the card due in its own transaction (`storage.events.CARD_CHANGES`,
`tickets.card_due_at`); `desk:cards` claims the due cards every `SCAN_SECONDS` and shows them, so
a burst of changes costs one edit, a crash after a change still updates the card, and with
several instances each card is edited by one. A topic left without its card (the announcement
died after linking it) gets the card posted after `UNPOSTED_AFTER`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackContext, JobQueue

from bot.instance import exclusive_job
from bot.services import Kefu
from bot.shown_messages import Shown, as_shown
from domain.desk.card import card_keyboard, card_tags, render_card, staff_translator, topic_name
from domain.desk.topic_edits import edit_card, rename_topic
from storage import tickets

logger = logging.getLogger("kefu.desk")

SCAN_SECONDS = 2
UNPOSTED_AFTER = timedelta(seconds=30)  # longer than an announcement takes
BATCH = 20


async def show_due_cards(bot: Bot, kefu: Kefu) -> int:
    """Show every card that is due; how many were shown."""
    async with kefu.db.read_only() as session:
        if not await tickets.any_card_due(session):
            return 0  # the usual case: no write transaction (SQLite's lock) every 2 s
    async with kefu.db.unit_of_work() as session:
        due = await tickets.cards_due(
            session, now=kefu.clock.now(), unposted_after=UNPOSTED_AFTER, limit=BATCH
        )
    shown = 0
    for ticket_id, due_at in due:
        try:
            shown += await _show(bot, kefu, ticket_id, due_at)
        except TelegramError as error:
            # Still due: the next scan tries again.
            logger.warning("could not update the card of ticket %s: %s", ticket_id, error)
    return shown


async def _show(bot: Bot, kefu: Kefu, ticket_id: int, due_at: datetime) -> bool:
    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    if ticket is None or ticket.staff_chat_id is None or ticket.staff_topic_id is None:
        return False
    t = staff_translator(kefu)
    chat_id, thread = ticket.staff_chat_id, ticket.staff_topic_id
    card = render_card(kefu, t, ticket, await card_tags(kefu, ticket))
    keyboard = card_keyboard(t, ticket)
    title = topic_name(t, ticket)
    if title != ticket.staff_topic_title:
        await rename_topic(bot, chat_id, thread, title)
    message_id = ticket.staff_card_message_id
    if message_id is None:
        posted = await bot.send_message(
            chat_id,
            card,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard,
            message_thread_id=thread,
        )
        message_id = posted.message_id
    elif kefu.shown.get(chat_id, message_id) != (wanted := Shown(as_shown(card, True), keyboard)):
        await edit_card(bot, chat_id, message_id, card, keyboard)  # another may have already
        kefu.shown.note(chat_id, message_id, wanted)
    async with kefu.db.unit_of_work() as session:
        await tickets.card_shown(
            session,
            ticket_id,
            due_at,
            title=title,
            message_id=message_id,
            shown_erased=ticket.personal_data_erased_at is not None,
        )
    return True


@exclusive_job("desk:cards")
async def scan_job(context: CallbackContext) -> None:
    kefu: Kefu = context.bot_data.kefu
    try:
        await show_due_cards(context.bot, kefu)
    except Exception:
        logger.exception("updating ticket cards failed; will retry")


def schedule_jobs(jobs: JobQueue) -> None:
    jobs.run_repeating(scan_job, interval=SCAN_SECONDS, first=SCAN_SECONDS, name="desk:cards")
