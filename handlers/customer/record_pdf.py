"""The service record's "Download PDF" button: the same record as a PDF document.

Registered in the answers group, so it works in the middle of a guided flow; the update ends
here (`ApplicationHandlerStop`). Callback data can be forged: only the ticket's own customer
gets its record, and only while its personal data is kept.
"""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler

from bot.context import KefuContext
from domain.care import service_record
from domain.care.buttons import PATTERN, RecordButton
from domain.care.pdf_fonts import pdf_fonts
from domain.care.record_pdf import build_pdf
from handlers.common.answers import answer


async def send_record_pdf(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    t = context.t
    button = RecordButton.parse(query.data)
    record = None
    if button is not None:
        async with context.kefu.db.read_only() as session:
            record = await service_record.gather(session, button.ticket_id)
    user = update.effective_user
    if record is None or user is None or record.ticket.customer.telegram_id != user.id:
        await answer(update, context, t.t("This button is no longer valid."))
        raise ApplicationHandlerStop
    ticket = record.ticket
    if ticket.personal_data_erased_at is not None or not ticket.customer.has_consented:
        await answer(
            update,
            context,
            t.t("This service record is no longer available: its personal data was erased."),
            alert=True,
        )
        raise ApplicationHandlerStop
    await answer(update, context)
    assert update.effective_chat is not None
    fonts = pdf_fonts(t.language)
    if fonts is None:
        await update.effective_chat.send_message(
            t.t(
                "Sorry, we cannot make the PDF right now: no font for Chinese text is installed "
                "on our side. The record above has everything the PDF would."
            )
        )
        raise ApplicationHandlerStop
    html = service_record.render(context.kefu, t, record, whole=True)
    # Laying out pages and embedding the font takes about a second: not on the event loop.
    pdf = await asyncio.to_thread(build_pdf, html, fonts)
    await update.effective_chat.send_document(
        InputFile(pdf, filename=f"service-record-{ticket.number}.pdf")
    )
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    return [CallbackQueryHandler(send_record_pdf, pattern=PATTERN)]
