"""Customers' messages into their tickets' topics: from the relay outbox, merged when they pile up.

Every message is recorded first, with the relay queued in the same transaction
(`domain.desk.lifecycle.record_customer_message`, `storage.relays`); `flush` then copies what is
due. One flush runs per ticket at a time, in the relay lane of the send budget
(`bot.send_budget`): while one post waits for the staff group's budget, what the customer
writes meanwhile waits with it, and the next post carries all of it. So a customer writing
quickly costs the group a few posts, not one per message, and never delays an SLA alert or an
answer to staff. Runs of plain texts become one post; photos, documents, stickers, contacts and
locations are copied one by one, as they were sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError

from bot.i18n import Translator
from bot.send_budget import relay_lane
from bot.services import Kefu
from domain.desk.card import staff_translator
from storage import attachments, relays, tickets
from storage.models import TicketEvent

logger = logging.getLogger("kefu.desk")

LEASE = timedelta(minutes=2)  # a relay cut short is taken up again after this
BATCH = 50
TEXT_LIMIT = 4096  # Telegram's limit for one message's text

# Tickets being relayed by this process, and those written to meanwhile (the running flush
# looks again before it stops). Between processes, the lease in the outbox decides.
_running: set[tuple[int, int]] = set()
_again: set[tuple[int, int]] = set()


async def flush(bot: Bot, kefu: Kefu, ticket_id: int) -> None:
    """Copy the ticket's queued messages into its topic until none is left."""
    key = (id(kefu), ticket_id)
    _again.add(key)
    if key in _running:
        return  # the flush under way takes it
    _running.add(key)
    try:
        while key in _again:
            _again.discard(key)
            while await _relay_batch(bot, kefu, ticket_id):
                pass
    finally:
        _running.discard(key)
        _again.discard(key)


async def _relay_batch(bot: Bot, kefu: Kefu, ticket_id: int) -> bool:
    """One batch claimed and posted; False when nothing was due (or posting failed)."""
    async with kefu.db.unit_of_work() as session:
        ticket = await tickets.get(session, ticket_id)
        claimed = await relays.claim(
            session, ticket_id, now=kefu.clock.now(), lease=LEASE, limit=BATCH
        )
        files = {f.event_id for f in await attachments.for_ticket(session, ticket_id)}
    if not claimed or ticket is None:
        return False
    if ticket.staff_chat_id is None or ticket.staff_topic_id is None:
        return False
    where = (ticket.staff_chat_id, ticket.staff_topic_id, ticket.customer.telegram_id)
    try:
        await _post(bot, staff_translator(kefu), where, claimed, files)
    except TelegramError:
        logger.warning("could not copy customer messages into ticket %s", ticket_id, exc_info=True)
        return False  # the lease runs out and the desk job tries again
    async with kefu.db.unit_of_work() as session:
        await relays.done(session, [event.id for event in claimed])
    return True


async def _post(
    bot: Bot,
    t: Translator,
    where: tuple[int, int, int],
    claimed: Sequence[TicketEvent],
    with_file: set[int | None],
) -> None:
    chat_id, thread, _ = where
    texts: list[TicketEvent] = []

    async def post_texts() -> None:
        if len(texts) == 1:
            await _copy(bot, where, texts[0], header=None)
        elif texts:
            for chunk in _merged(t, [event.text or "" for event in texts]):
                await bot.send_message(chat_id, chunk, message_thread_id=thread, **relay_lane(bot))
        texts.clear()

    for event in claimed:
        if event.text and event.id not in with_file:
            texts.append(event)
            continue
        await post_texts()
        # A file without a caption gets a line saying whose it is; other kinds go as they are.
        needs_header = event.id in with_file and not event.text
        await _copy(bot, where, event, header=t.t("From the customer") if needs_header else None)
    await post_texts()


async def _copy(
    bot: Bot, where: tuple[int, int, int], event: TicketEvent, *, header: str | None
) -> None:
    chat_id, thread, customer_chat = where
    message_id = event.data.get("message_id")
    if message_id is None:  # recorded before messages kept their id: the words are enough
        await bot.send_message(chat_id, event.text or "…", message_thread_id=thread)
        return
    await bot.copy_message(
        chat_id,
        customer_chat,
        message_id,
        message_thread_id=thread,
        caption=header,
        **relay_lane(bot),
    )


def _merged(t: Translator, texts: Sequence[str]) -> list[str]:
    """Several texts as few posts as Telegram's limit allows, each under one header."""
    header = t.tn(
        "The customer wrote {n} message:", "The customer wrote {n} messages:", len(texts)
    )
    posts: list[str] = []
    current = header
    for text in texts:
        piece = f"\n\n{text}"
        if len(current) + len(piece) > TEXT_LIMIT:
            posts.append(current)
            current = text[:TEXT_LIMIT]
        else:
            current += piece
    posts.append(current)
    return posts
