"""A staff member's message in a ticket's topic goes to the customer, signed, in their language.

Sent first, recorded after: a crash in between loses the record of a delivered answer, which
is better than a recorded answer the customer never got. Only a delivered reply counts as the
first response. Messages in topics that belong to no ticket are not ours: they are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Bot, Message, MessageEntity, Update

from bot.context import KefuContext
from bot.i18n import Translator
from domain.desk import lifecycle
from domain.desk.card import customer_translator
from domain.desk.reach import reach_customer
from domain.desk.topics import CAPTION_LIMIT
from handlers.staff.gate import staff_actor, staff_words
from storage import tickets
from storage.enums import TicketStatus

TEXT_LIMIT = 4096


async def relay_staff_reply(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None and message.message_thread_id is not None
    kefu = context.kefu
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_topic(session, message.chat_id, message.message_thread_id)
    if ticket is None:
        return
    # The staff gate is asked only now that the topic is known to be a ticket's: in other
    # topics of the staff chat Kefu stays silent, for members and strangers alike.
    actor = await staff_actor(update, context)
    if actor is None:
        return
    if ticket.status == TicketStatus.CLOSED:
        await message.reply_text(
            staff_words(context).t(
                "This ticket is closed, so nothing was sent to the customer. "
                "Send /reopen first if you want to write to them."
            )
        )
        return
    customer = ticket.customer
    signature = sign(
        kefu.config.support.reply_signature,
        customer_translator(kefu, customer),
        actor.name,
    )
    sent = await reach_customer(
        kefu, customer.id, lambda: send_signed(message, customer.telegram_id, signature)
    )
    await lifecycle.record_staff_reply(kefu, ticket.id, actor, message, delivered=sent is not None)
    if sent is None:
        await message.reply_text(
            staff_words(context).t(
                "Not delivered: the customer has blocked the bot or deleted their account. "
                "The message is kept in the service record."
            )
        )


def sign(style: str, t: Translator, staff_name: str | None) -> str:
    """The line under a staff reply, in the customer's language."""
    if style == "team" or not staff_name:
        return t.t("— Support team")
    return t.t("— {name}, Support", name=staff_name)


async def send_signed(message: Message, chat_id: int, signature: str) -> object:
    """The staff message in the customer's chat with the signature under it (or after it,
    when text plus signature would pass Telegram's length limits)."""
    bot = message.get_bot()
    if message.text:
        return await send_signed_text(bot, chat_id, message.text, signature, message.entities)
    caption = f"{message.caption}\n\n{signature}" if message.caption else signature
    if len(caption) <= CAPTION_LIMIT:
        copied = await bot.copy_message(
            chat_id,
            message.chat_id,
            message.message_id,
            caption=caption,
            caption_entities=message.caption_entities,
        )
    else:
        copied = await bot.copy_message(chat_id, message.chat_id, message.message_id)
        await bot.send_message(chat_id, signature)
    return copied


async def send_signed_text(
    bot: Bot,
    chat_id: int,
    text: str,
    signature: str,
    entities: Sequence[MessageEntity] | None = None,
) -> Message:
    """A text in the customer's chat with the signature under it, or after it when both would
    pass Telegram's length limit."""
    signed = f"{text}\n\n{signature}"
    if len(signed) <= TEXT_LIMIT:
        # The signature comes after the text, so the text's entity offsets still hold.
        return await bot.send_message(chat_id, signed, entities=entities)
    await bot.send_message(chat_id, text, entities=entities)
    return await bot.send_message(chat_id, signature)
