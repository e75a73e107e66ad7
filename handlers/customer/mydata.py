"""/mydata: everything Kefu holds about the customer, as a JSON document.

Registered in the first handler group, so it works in the middle of a guided flow; the update
ends here (`ApplicationHandlerStop`) and never reaches the flow, which resumes where it was.
"""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CommandHandler

from bot.context import KefuContext
from domain.privacy.export import export_for


async def send_my_data(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None
    exported = None
    if context.customer_id is not None:
        exported = await export_for(context.kefu, context.customer_id, context.t)
    if exported is None:
        await message.reply_text(context.t.t("Kefu holds no data about you."))
    else:
        await message.reply_document(
            InputFile(exported.content, filename=exported.filename),
            caption=context.t.t(
                "Here is everything Kefu holds about you, as a JSON file. Our team's internal "
                "notes about your tickets are not included."
            ),
        )
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler("mydata", send_my_data)]
