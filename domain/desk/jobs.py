"""The desk's periodic work: announce tickets still without a topic, copy customer messages
whose relay was cut short, close expired tickets, and tell the topics of erased tickets that a
crash or an outage left untold."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError
from telegram.ext import CallbackContext, JobQueue

from bot.instance import exclusive_job, run_exclusively, shares_the_database
from bot.services import Kefu
from domain.desk import lifecycle, relay
from domain.desk.topics import announce_ticket, show_erased
from storage import erasure, relays, tickets
from storage.events import Actor

logger = logging.getLogger("kefu.desk")

ANNOUNCE_INTERVAL_SECONDS = 30
CLOSE_INTERVAL_SECONDS = 600
_BATCH = 20


@exclusive_job("desk:announce")
async def announce_pending(context: CallbackContext) -> None:
    """Job: announce active tickets that have no topic yet (a crash or an outage in between)."""
    await announce_waiting(context.bot, context.bot_data.kefu)


async def announce_waiting(bot: Bot, kefu: Kefu) -> None:
    """Announce active tickets without a topic; at start-up too (`recover`), so a bot that
    crashes more often than the jobs' interval still recovers them."""
    if kefu.settings.staff_chat_id is None:
        return
    async with kefu.db.read_only() as session:
        pending = await tickets.active_without_topic(session, limit=_BATCH)
    for ticket_id in pending:
        try:
            await announce_ticket(bot, kefu, ticket_id)
        except TelegramError:
            logger.warning("announcing ticket %s failed; will retry", ticket_id, exc_info=True)
            return


@exclusive_job("desk:erasures")
async def tell_erasures(context: CallbackContext) -> None:
    """Job: rename the topics and edit the cards of erased tickets still queued for it."""
    await tell_erasures_now(context.bot, context.bot_data.kefu)


async def tell_erasures_now(bot: Bot, kefu: Kefu) -> None:
    async with kefu.db.read_only() as session:
        due = await erasure.notices_due(session, now=kefu.clock.now(), limit=_BATCH)
    await show_erased(bot, kefu, due)


@exclusive_job("desk:relay")
async def relay_pending(context: CallbackContext) -> None:
    """Job: copy customer messages whose relay was cut short (a crash, a Telegram failure)."""
    await relay_now(context.bot, context.bot_data.kefu)


async def relay_now(bot: Bot, kefu: Kefu) -> None:
    async with kefu.db.read_only() as session:
        due = await relays.tickets_due(session, now=kefu.clock.now(), limit=_BATCH)
    for ticket_id in due:
        await relay.flush(bot, kefu, ticket_id)


async def recover(bot: Bot, kefu: Kefu) -> None:
    """Start-up: what a crash left undone at the desk, before the jobs' first tick."""
    if not shares_the_database(kefu):
        # Alone on the database, no one else holds a relay's lease: one left by a Kefu killed
        # while copying a customer's words is given back, so they reach the topic now rather
        # than when the lease would run out (`relay.LEASE`). Where instances share the
        # database, a lease may be a live instance's, and is left to run out.
        async with kefu.db.unit_of_work() as session:
            released = await relays.release_leases(session, now=kefu.clock.now())
        if released:
            logger.info("relaying %d customer message(s) a stopped Kefu had taken", released)
    # Under the jobs' names: another instance running the same job meanwhile does it.
    await run_exclusively(kefu, "desk:announce", lambda: announce_waiting(bot, kefu))
    await run_exclusively(kefu, "desk:relay", lambda: relay_now(bot, kefu))
    await run_exclusively(kefu, "desk:erasures", lambda: tell_erasures_now(bot, kefu))


@exclusive_job("desk:close-expired")
async def close_expired(context: CallbackContext) -> None:
    """Job: close resolved tickets whose reopen window has passed."""
    kefu: Kefu = context.bot_data.kefu
    cutoff = kefu.clock.now() - timedelta(days=kefu.config.support.reopen_days)
    async with kefu.db.read_only() as session:
        expired = await tickets.resolved_before(session, cutoff, limit=_BATCH)
    for ticket_id in expired:
        try:
            await lifecycle.close(context.bot, kefu, ticket_id, Actor.system())
        except TelegramError:
            logger.warning("closing ticket %s failed; will retry", ticket_id, exc_info=True)


def schedule_jobs(job_queue: JobQueue) -> None:
    job_queue.run_repeating(
        # The first tick comes after one interval (APScheduler skips a start already past);
        # `recover` runs at start-up for what cannot wait that long.
        announce_pending,
        interval=ANNOUNCE_INTERVAL_SECONDS,
        name="desk:announce",
    )
    job_queue.run_repeating(
        tell_erasures, interval=ANNOUNCE_INTERVAL_SECONDS, name="desk:erasures"
    )
    job_queue.run_repeating(relay_pending, interval=ANNOUNCE_INTERVAL_SECONDS, name="desk:relay")
    job_queue.run_repeating(
        close_expired, interval=CLOSE_INTERVAL_SECONDS, first=60, name="desk:close_expired"
    )
