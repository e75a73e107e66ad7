"""Whatever a customer writes outside a flow joins their open ticket (asking which, if several).

A resolved ticket is reopened by writing within the configured number of days; after that a
message starts nothing by itself and the customer is shown the menu to open a new ticket.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, MessageHandler, filters

from bot.context import KefuContext
from domain.desk import topics
from domain.desk.wording import type_name
from handlers.common.buttons import Button, number_pair
from handlers.common.flow import WRITE_TO
from handlers.common.menus import main_menu
from storage import tickets
from storage.enums import TicketStatus
from storage.models import Ticket

CHOOSE = Button("follow", convert=number_pair)  # follow:<ticket id>:<message id>
PENDING = "pending_followups"  # user_data: message id -> the message waiting for a ticket choice


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
        context.user_data.setdefault(PENDING, {})[message.message_id] = message
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


async def chose_ticket(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    ticket_id, message_id = CHOOSE.value(update) or (0, 0)
    message = context.user_data.get(PENDING, {}).pop(message_id, None)
    active, _ = await _candidates(context)
    ticket = next((t for t in active if t.id == ticket_id), None)
    if message is None or ticket is None:
        await query.answer(
            context.t.t("This button is no longer valid. Please send your message again.")
        )
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await _add_to(update, context, ticket, message, confirm=True)


async def _add_to(
    update: Update, context: KefuContext, ticket: Ticket, message: Message, confirm: bool = False
) -> None:
    reopening = ticket.status == TicketStatus.RESOLVED
    # The relay reopens a resolved ticket and tells the staff topic so.
    await topics.relay_customer_message(context.bot, context.kefu, ticket.id, message)
    if reopening:
        await message.reply_text(
            context.t.t(
                "We have reopened ticket {number} and passed your message on.",
                number=ticket.number,
            )
        )
        return
    if confirm:
        await message.reply_text(context.t.t("Added to ticket {number}.", number=ticket.number))


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
