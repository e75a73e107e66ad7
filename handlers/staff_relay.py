"""A staff member's message in a ticket's topic goes to the customer, signed, in their language.

Sent first, recorded after: a crash in between loses the record of a delivered answer, which
is better than a recorded answer the customer never got. Only a delivered reply counts as the
first response. Messages in topics that belong to no ticket are not ours: they are ignored.
"""

from __future__ import annotations

from telegram import Message, Update

from bot import desk, desk_card
from bot.context import KefuContext
from bot.i18n import Translator
from handlers.staff_access import staff_actor, staff_words
from storage import attachments, events, tickets
from storage.enums import EventKind, TicketStatus

TEXT_LIMIT = 4096


async def relay_staff_reply(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None and message.message_thread_id is not None
    kefu = context.kefu
    async with kefu.db.read_only() as session:
        ticket = await tickets.get_by_topic(session, message.chat_id, message.message_thread_id)
    if ticket is None:
        return
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
        desk_card.customer_translator(kefu, customer),
        actor.name,
    )
    sent = await desk.reach_customer(
        kefu, customer.id, lambda: send_signed(message, customer.telegram_id, signature)
    )
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        fresh = await tickets.get(session, ticket.id, for_update=True)
        assert fresh is not None
        event = await events.append(
            session,
            fresh,
            EventKind.STAFF_REPLY,
            actor,
            now=now,
            text=message.text or message.caption,
            data={"delivered": sent is not None},
        )
        file = desk.file_of(message)
        if file is not None:
            await attachments.add(session, fresh, actor=actor, now=now, event=event, **file)
        if sent is not None:
            await tickets.stamp_first_response(session, fresh, now=now)
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
        signed = f"{message.text}\n\n{signature}"
        if len(signed) <= TEXT_LIMIT:
            # The signature comes after the text, so the text's entity offsets still hold.
            return await bot.send_message(chat_id, signed, entities=message.entities)
        await bot.send_message(chat_id, message.text, entities=message.entities)
        return await bot.send_message(chat_id, signature)
    caption = f"{message.caption}\n\n{signature}" if message.caption else signature
    if len(caption) <= desk.CAPTION_LIMIT:
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
