"""My tickets: the customer's tickets with status; open one to see its history or write more."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KefuContext
from domain.desk.wording import customer_status_name, type_name
from handlers.common.answers import answer
from handlers.common.buttons import MENU_TICKETS, Button, number
from handlers.common.flow import WRITE_TO, say
from handlers.common.menus import main_menu
from storage import events, tickets
from storage.enums import EventKind

OPEN = Button("mine", "open", number)
WRITE = Button("mine", "write", number)

# What a customer may see of the service record: never internal notes or alerts.
CUSTOMER_VISIBLE = {
    EventKind.CREATED,
    EventKind.CUSTOMER_MESSAGE,
    EventKind.STAFF_REPLY,
    EventKind.STATUS_CHANGED,
}


async def list_tickets(update: Update, context: KefuContext) -> None:
    kefu = context.kefu
    if context.customer_id is None:
        return
    async with kefu.db.read_only() as session:
        recent = await tickets.recent_for_customer(session, context.customer_id, limit=10)
    if not recent:
        await say(update, context, context.t.t("You have no tickets yet."), main_menu(context.t))
        return
    rows = [
        [
            InlineKeyboardButton(
                f"{ticket.number} · {type_name(context.t, ticket.type)} · "
                f"{customer_status_name(context.t, ticket.status)}",
                callback_data=OPEN.data(ticket.id),
            )
        ]
        for ticket in recent
    ]
    await say(
        update,
        context,
        context.t.t("Your tickets (newest first). Choose one to see its history:"),
        InlineKeyboardMarkup(rows),
    )


async def show_ticket(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    ticket_id = OPEN.value(update)
    kefu = context.kefu
    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id) if ticket_id is not None else None
        # Callback data can be forged: only the ticket's own customer may open it.
        if ticket is None or ticket.customer_id != context.customer_id:
            await answer(update, context, context.t.t("This button is no longer valid."))
            return
        record = [
            e for e in await events.history(session, ticket.id) if e.kind in CUSTOMER_VISIBLE
        ]
    text = context.t.render(
        "customer_ticket.html.j2",
        ticket=ticket,
        type_name=type_name(context.t, ticket.type),
        status=customer_status_name(context.t, ticket.status),
        events=record[-15:],
        tz=kefu.timezone,
    )
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.t.t("Write about this ticket"), callback_data=WRITE.data(ticket.id)
                )
            ]
        ]
    )
    await answer(update, context)
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        text[:4096], parse_mode=ParseMode.HTML, reply_markup=buttons
    )


async def write_about(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    ticket_id = WRITE.value(update)
    async with context.kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id) if ticket_id is not None else None
    if ticket is None or ticket.customer_id != context.customer_id:
        await answer(update, context, context.t.t("This button is no longer valid."))
        return
    context.user_data[WRITE_TO] = ticket_id
    await say(
        update,
        context,
        context.t.t(
            "Go ahead: your next message will be added to ticket {number}.", number=ticket.number
        ),
    )


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("tickets", list_tickets),
        CallbackQueryHandler(list_tickets, pattern=MENU_TICKETS.pattern),
        CallbackQueryHandler(show_ticket, pattern=OPEN.pattern),
        CallbackQueryHandler(write_about, pattern=WRITE.pattern),
    ]
