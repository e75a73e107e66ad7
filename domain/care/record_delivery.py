"""Sending a resolved ticket's service record: to its customer, with a "Download PDF" button,
and the same words to the staff in the ticket's topic.

Once per resolution: the record is sent only if no `EventKind.SERVICE_RECORD` event follows
the ticket's latest resolution, and that event is written right after the send (sent first,
recorded after, as staff replies are). Handling is at least once, so a resolve handled again
finds the event and sends nothing; only a crash between the send and the event repeats it.
A customer who withdrew consent or was erased gets no record: it is personal data.
"""

from __future__ import annotations

import html

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.services import Kefu
from domain.care import service_record
from domain.care.buttons import RecordButton
from domain.desk.card import customer_translator, staff_translator
from domain.desk.reach import reach_customer
from storage import events, tickets
from storage.enums import EventKind, TicketStatus
from storage.events import Actor


async def send_service_record(bot: Bot, kefu: Kefu, ticket_id: int) -> bool:
    """Send the record of the ticket's current resolution unless it went out already; True if
    this call sent it."""
    async with kefu.db.read_only() as session:
        record = await service_record.gather(session, ticket_id)
    if record is None or record.sent or record.ticket.status != TicketStatus.RESOLVED:
        return False
    ticket, customer = record.ticket, record.ticket.customer
    if not customer.has_consented or ticket.personal_data_erased_at is not None:
        return False
    t = customer_translator(kefu, customer)
    download = InlineKeyboardButton(
        t.t("Download PDF"), callback_data=RecordButton(ticket.id).encode()
    )
    sent = await reach_customer(
        kefu,
        customer.id,
        lambda: bot.send_message(
            customer.telegram_id,
            service_record.render(kefu, t, record),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[download]]),
        ),
    )
    if sent is None:
        return False
    async with kefu.db.unit_of_work() as session:
        locked = await tickets.get(session, ticket_id, for_update=True)
        assert locked is not None, "tickets are never deleted"
        await events.append(
            session,
            locked,
            EventKind.SERVICE_RECORD,
            Actor.system(),
            now=kefu.clock.now(),
            data={"message_id": sent.message_id},
        )
    if ticket.staff_chat_id is not None and ticket.staff_topic_id is not None:
        staff = staff_translator(kefu)
        heading = html.escape(staff.t("Service record sent to the customer:"))
        await bot.send_message(
            ticket.staff_chat_id,
            f"{heading}\n\n{service_record.render(kefu, staff, record)}",
            parse_mode=ParseMode.HTML,
            message_thread_id=ticket.staff_topic_id,
        )
    return True
