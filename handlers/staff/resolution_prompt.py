"""The card's Resolve button asks what was done before it resolves.

Pressing Resolve posts a prompt in the ticket's topic: staff reply to it with the resolution
note, which the customer reads in their service record, or press its "Resolve without a note".
The prompt is known by its own button, `DeskButton("nonote", ticket_id)`: Telegram puts the
replied-to message, inline keyboard included, into a reply, so nothing is kept between the
prompt and the reply, and a restart in between loses nothing. (A ForceReply would open the
reply field by itself, but a message has one markup, and the prompt's is that button.) Once the
ticket is resolved the prompt's button goes, and a reply to it is an ordinary message again.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import filters

from bot.context import KefuContext
from domain.desk import card as desk_card
from domain.desk.buttons import DeskButton
from handlers.common.answers import answer
from handlers.common.edits import edit_message, edit_message_at
from handlers.staff.commands import resolve
from handlers.staff.gate import acting, staff_words, topic_ticket_id
from handlers.staff.relay import relay_staff_reply
from storage import tickets
from storage.models import Ticket

PROMPT_ACTION = "nonote"


async def ask_for_note(context: KefuContext, card: Message, ticket: Ticket) -> None:
    t = staff_words(context)
    await context.bot.send_message(
        card.chat_id,
        t.t(
            "What was done? Reply to this message with a short note for the customer: it goes "
            "into the service record they receive."
        ),
        message_thread_id=card.message_thread_id,
        reply_markup=desk_card.resolution_prompt_keyboard(t, ticket),
    )


def prompted_ticket(message: Message) -> int | None:
    """The ticket whose resolution prompt `message` replies to, or None."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.reply_markup is None:
        return None
    if replied.from_user.id != message.get_bot().id:  # another bot's look-alike
        return None
    for row in replied.reply_markup.inline_keyboard:
        for key in row:
            data = key.callback_data if isinstance(key.callback_data, str) else None
            button = DeskButton.parse(data)
            if button is not None and button.action == PROMPT_ACTION:
                return button.ticket_id
    return None


class _RepliesToPrompt(filters.MessageFilter):
    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return prompted_ticket(message) is not None


REPLIES_TO_PROMPT = _RepliesToPrompt(name="RepliesToResolutionPrompt")


async def resolve_with_reply(update: Update, context: KefuContext) -> None:
    """A staff reply to a resolution prompt: the ticket is resolved with it as the note."""
    message = update.effective_message
    assert message is not None and message.text is not None
    prompt = message.reply_to_message
    assert prompt is not None
    ticket_id = await topic_ticket_id(update, context, quiet=True)
    if ticket_id is None or ticket_id != prompted_ticket(message):
        await relay_staff_reply(update, context)  # not this topic's prompt: words for the customer
        return
    said = await resolve(context, ticket_id, acting(context), message.text)
    await message.reply_text(said)
    await _prompt_done(context, prompt, ticket_id)


async def on_prompt_button(
    update: Update, context: KefuContext, ticket: Ticket, prompt: Message
) -> None:
    """The prompt's "Resolve without a note", pressed in the ticket's own topic."""
    query = update.callback_query
    assert query is not None
    offered = query.data in _callback_data(prompt)
    # Callback data can be forged: only the prompt's own button, while the ticket is open.
    if not offered or not ticket.status.is_active:
        await answer(update, context, staff_words(context).t("This button is no longer valid."))
        if offered:
            await edit_message(context, prompt, markup=None)
        return
    await answer(update, context)
    said = await resolve(context, ticket.id, acting(context))
    await context.bot.send_message(
        prompt.chat_id, said, message_thread_id=prompt.message_thread_id
    )
    await _prompt_done(context, prompt, ticket.id)


def _callback_data(message: Message) -> set[object]:
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else ()
    return {key.callback_data for row in rows for key in row}


async def _prompt_done(context: KefuContext, prompt: Message, ticket_id: int) -> None:
    """Take the prompt's button off and show the ticket's state on its card."""
    await edit_message(context, prompt, markup=None)
    async with context.kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    if ticket is None or ticket.staff_card_message_id is None or ticket.staff_chat_id is None:
        return
    t = staff_words(context)
    await edit_message_at(
        context,
        ticket.staff_chat_id,
        ticket.staff_card_message_id,
        text=desk_card.render_card(
            context.kefu, t, ticket, await desk_card.card_tags(context.kefu, ticket)
        ),
        html_text=True,
        markup=desk_card.card_keyboard(t, ticket),
    )
