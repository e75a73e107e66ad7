"""Whatever a customer writes outside a flow joins their open ticket (asking which, if several).

A resolved ticket is reopened by writing within the configured number of days; after that a
message starts nothing by itself and the customer is shown the menu to open a new ticket.

While a customer with several open tickets has not said which one a message is for, only its
id waits (`PENDING`, at most `PENDING_KEEP` of them, each for `PENDING_FOR`): the message stays
in their chat, and once they choose it is forwarded from there into the ticket's topic and
recorded from the forwarded copy.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import KefuContext
from bot.send_budget import relay_lane
from domain.desk import lifecycle, relay, topics
from domain.desk.wording import type_name
from handlers.common.answers import answer, drop_buttons
from handlers.common.buttons import Button, number_pair
from handlers.common.flow import WRITE_TO
from handlers.common.menus import main_menu
from storage import events, tickets
from storage.enums import TicketStatus
from storage.models import Ticket

CHOOSE = Button("follow", convert=number_pair)  # follow:<ticket id>:<message id>
PENDING = "pending_followups"  # user_data: message id -> until when it waits for a choice
PENDING_KEEP = 20
PENDING_FOR = timedelta(hours=1)


async def _candidates(context: KefuContext) -> tuple[list[Ticket], Ticket | None]:
    """Active tickets, and the latest resolved one still inside the reopen window."""
    kefu = context.kefu
    assert context.customer_id is not None
    since = kefu.clock.now() - timedelta(days=kefu.config.support.reopen_days)
    async with kefu.db.read_only() as session:
        active = await tickets.open_for_customer(session, context.customer_id)
        recent = await tickets.recent_for_customer(session, context.customer_id, limit=5)
    reopenable = next(
        (
            t
            for t in recent
            if t.status == TicketStatus.RESOLVED and t.resolved_at and t.resolved_at >= since
        ),
        None,
    )
    return active, reopenable


async def follow_up(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    if context.customer_id is None:
        return
    active, reopenable = await _candidates(context)
    chosen = context.user_data.pop(WRITE_TO, None)
    by_id = {t.id: t for t in [*active, *([reopenable] if reopenable else [])]}
    if chosen in by_id:
        await _add_to(update, context, by_id[chosen], message)
    elif len(active) == 1:
        await _add_to(update, context, active[0], message)
    elif len(active) > 1:
        _keep_pending(context, message.message_id)
        rows = [
            [
                InlineKeyboardButton(
                    f"{t.number} · {type_name(context.t, t.type)}",
                    callback_data=CHOOSE.data((t.id, message.message_id)),
                )
            ]
            for t in active
        ]
        await message.reply_text(
            context.t.t("You have several open tickets. Which one is this about?"),
            reply_markup=InlineKeyboardMarkup(rows),
        )
    elif reopenable is not None:
        await _add_to(update, context, reopenable, message)
    else:
        await message.reply_text(
            context.t.t("Please choose what you need help with:"),
            reply_markup=main_menu(context.t),
        )


async def quietly(update: Update, context: KefuContext) -> None:
    """A message from a customer over their fair-use share: it still reaches the ticket it is
    clearly for (the one open ticket, the one chosen in My tickets, or the one to reopen), but
    Kefu says nothing; anything else waits until they write again within their share."""
    message = update.effective_message
    if message is None or context.customer_id is None or not context.consented:
        return
    assert context.user_data is not None
    active, reopenable = await _candidates(context)
    chosen = context.user_data.get(WRITE_TO)
    by_id = {t.id: t for t in [*active, *([reopenable] if reopenable else [])]}
    target = by_id.get(chosen) or (active[0] if len(active) == 1 else None)
    if target is None and not active:
        target = reopenable
    if target is None:
        return
    recorded = await topics.relay_customer_message(context.bot, context.kefu, target.id, message)
    if recorded is not None and recorded.topic is not None:
        context.application.create_task(
            relay.flush(context.bot, context.kefu, target.id), update=update
        )


def _keep_pending(context: KefuContext, message_id: int) -> None:
    assert context.user_data is not None
    now = context.kefu.clock.now()
    waiting: dict[int, datetime] = {
        mid: until
        for mid, until in context.user_data.get(PENDING, {}).items()
        if isinstance(until, datetime) and until > now
    }
    waiting[message_id] = now + PENDING_FOR
    # The newest are kept: an older prompt's button then says it is no longer valid.
    context.user_data[PENDING] = dict(sorted(waiting.items())[-PENDING_KEEP:])


async def chose_ticket(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    ticket_id, message_id = CHOOSE.value(update) or (0, 0)
    until = context.user_data.get(PENDING, {}).get(message_id)
    active, _ = await _candidates(context)
    ticket = next((t for t in active if t.id == ticket_id), None)
    fresh = isinstance(until, datetime) and until > context.kefu.clock.now()
    if not fresh or ticket is None or ticket.staff_topic_id is None:
        await answer(
            update,
            context,
            context.t.t("This button is no longer valid. Please send your message again."),
        )
        return
    await answer(update, context)
    await drop_buttons(update, context)
    assert ticket.staff_chat_id is not None and update.effective_chat is not None
    async with context.kefu.db.read_only() as session:
        # This press handled again after a crash: the message may be in the topic already.
        done = await events.has_customer_message(session, ticket.id, message_id)
    if not done:
        forwarded = await context.bot.forward_message(
            ticket.staff_chat_id,
            update.effective_chat.id,
            message_id,
            message_thread_id=ticket.staff_topic_id,
            **relay_lane(context.bot),
        )
        await lifecycle.record_customer_message(
            context.kefu, ticket.id, forwarded, in_topic=True, message_id=message_id
        )
    context.user_data[PENDING].pop(message_id, None)
    await update.effective_chat.send_message(
        context.t.t("Added to ticket {number}.", number=ticket.number)
    )


async def _add_to(update: Update, context: KefuContext, ticket: Ticket, message: Message) -> None:
    # Recording reopens a resolved ticket and tells the staff topic so; the copy into the topic
    # runs beside the update, so a customer writing fast is not held up by the group's budget.
    recorded = await topics.relay_customer_message(context.bot, context.kefu, ticket.id, message)
    if recorded is not None and recorded.topic is not None:
        context.application.create_task(
            relay.flush(context.bot, context.kefu, ticket.id), update=update
        )
    if recorded is not None and recorded.reopened:
        await message.reply_text(
            context.t.t(
                "We have reopened ticket {number} and passed your message on.",
                number=ticket.number,
            )
        )
        return


async def edited(update: Update, context: KefuContext) -> None:
    assert update.edited_message is not None
    await update.edited_message.reply_text(
        context.t.t(
            "I noticed you edited a message. Edits are not passed on: please send the "
            "correction as a new message."
        )
    )


def build_handlers() -> list[BaseHandler]:
    return [
        MessageHandler(filters.UpdateType.EDITED_MESSAGE, edited),
        MessageHandler(~filters.COMMAND & ~filters.UpdateType.EDITED, follow_up),
        CallbackQueryHandler(chose_ticket, pattern=CHOOSE.pattern),
    ]
