"""/reply in a ticket's topic: a reply template sent to the customer, filled in, as a staff reply.

`/reply <name>` sends that template; `/reply` alone posts the templates as buttons
(`domain.templates.buttons.ReplyButton`), and a press sends the one pressed. Either way it goes
the staff relay's way (`handlers.staff.relay`): signed, sent first and recorded after
(`domain.desk.lifecycle.record_template_reply`), so the first response, the SLA, the service
record and the history take it for the staff reply it is. The topic is told what was sent, and
when the customer's language had no text and English went instead.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.context import KefuContext
from bot.i18n import Translator
from domain.desk import lifecycle
from domain.desk.card import customer_translator, language_name
from domain.desk.reach import reach_customer
from domain.templates.buttons import ReplyButton
from domain.templates.reply import Composed, compose
from handlers.common.answers import answer, drop_buttons
from handlers.staff.gate import acting, staff_words, topic_ticket_id
from handlers.staff.relay import send_signed_text, sign
from storage import templates, tickets
from storage.enums import TicketStatus
from storage.events import Actor
from storage.models import Ticket
from storage.template_models import ReplyTemplate


async def reply_command(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    assert message is not None
    ticket_id = await topic_ticket_id(update, context)
    if ticket_id is None:
        return
    t = staff_words(context)
    name = " ".join(context.args or []).strip().lower()
    async with context.kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
        known = await templates.listed(session)
    assert ticket is not None
    if not known:
        await message.reply_text(
            t.t("There are no reply templates yet: an admin adds them with /templates.")
        )
        return
    if not name:
        await message.reply_text(t.t("Which template?"), reply_markup=_picker(ticket, known))
        return
    chosen = next((template for template in known if template.name == name), None)
    if chosen is None:
        await message.reply_text(
            t.t(
                "There is no template called {name}. The templates are: {names}.",
                name=name,
                names=", ".join(template.name for template in known),
            )
        )
        return
    said = await send_template(context, ticket, chosen, acting(context))
    await message.reply_text(said)


def _picker(ticket: Ticket, known: list[ReplyTemplate]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(template.name, callback_data=button.encode())]
            for template in known
            for button in [ReplyButton(ticket.id, template.id)]
        ]
    )


async def on_button(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    t = staff_words(context)
    button = ReplyButton.parse(query.data)
    picker = query.message if isinstance(query.message, Message) else None
    ticket = chosen = None
    if button is not None and picker is not None:
        async with context.kefu.db.read_only() as session:
            ticket = await tickets.get(session, button.ticket_id)
            chosen = await templates.get(session, button.template_id)
    # Forged data could name another ticket than the topic's: a press acts in its own topic only.
    in_its_topic = (
        picker is not None
        and ticket is not None
        and (ticket.staff_chat_id, ticket.staff_topic_id)
        == (picker.chat_id, picker.message_thread_id)
    )
    if ticket is None or chosen is None or picker is None or not in_its_topic:
        await answer(update, context, t.t("This button is no longer valid."))
        return
    await answer(update, context)
    await drop_buttons(update, context)  # one press, one reply: the picker has done its job
    said = await send_template(context, ticket, chosen, acting(context))
    await context.bot.send_message(
        picker.chat_id, said, message_thread_id=picker.message_thread_id
    )


async def send_template(
    context: KefuContext, ticket: Ticket, template: ReplyTemplate, actor: Actor
) -> str:
    """Send the template to the ticket's customer as a staff reply; what the topic is told."""
    kefu, t = context.kefu, staff_words(context)
    customer = ticket.customer
    if ticket.personal_data_erased_at is not None or not customer.has_consented:
        return t.t(
            "The customer withdrew their consent or erased their data, so nothing was sent."
        )
    if ticket.status == TicketStatus.CLOSED:
        return t.t(
            "This ticket is closed, so nothing was sent to the customer. "
            "Send /reopen first if you want to write to them."
        )
    composed = compose(kefu, ticket, template, actor.name)
    signature = sign(
        kefu.config.support.reply_signature, customer_translator(kefu, customer), actor.name
    )
    sent = await reach_customer(
        kefu,
        customer.id,
        lambda: send_signed_text(context.bot, customer.telegram_id, composed.text, signature),
    )
    delivered = sent is not None
    await lifecycle.record_template_reply(
        kefu, ticket.id, actor, composed.text, template=template.name, delivered=delivered
    )
    return _told(t, template.name, composed, customer.language, delivered=delivered)


def _told(t: Translator, name: str, composed: Composed, language: str, *, delivered: bool) -> str:
    if not delivered:
        return t.t(
            "Not delivered: the customer has blocked the bot or deleted their account. "
            "The message is kept in the service record."
        )
    lines = [t.t("Sent the template {name} to the customer:", name=name), composed.text]
    if composed.fell_back:
        lines.append(
            t.t(
                "The template {name} has no {language} text: sent in English.",
                name=name,
                language=language_name(t, language),
            )
        )
    return "\n\n".join(lines)
