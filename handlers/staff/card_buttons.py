"""The ticket card's buttons: Claim, Set priority, Resolve, Reopen, Close, and Back.

They do what the topic's commands do, through the same functions (`handlers.staff.commands`),
then show the ticket's current state on the card with the buttons that fit it. Resolve first
asks what was done (`handlers.staff.resolution_prompt`, whose own button is handled there).
"""

from __future__ import annotations

from telegram import Message, Update

from bot.context import KefuContext
from domain.desk import card as desk_card
from domain.desk.buttons import DeskButton
from handlers.common.answers import answer
from handlers.common.edits import edit_message
from handlers.staff import resolution_prompt
from handlers.staff.commands import assign, close, reopen, resolve, set_priority
from handlers.staff.gate import acting, staff_words
from storage import tickets
from storage.enums import Priority


async def on_button(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    actor = acting(context)
    t = staff_words(context)
    button = DeskButton.parse(query.data)
    card = query.message if isinstance(query.message, Message) else None
    ticket = None
    if button is not None and card is not None:
        async with context.kefu.db.read_only() as session:
            ticket = await tickets.get(session, button.ticket_id)
    # A card's button acts on the card's own ticket only: callback data comes from the client,
    # and a forged `desk:close:2` pressed on ticket 1's card must not close ticket 2.
    in_its_topic = (
        card is not None
        and ticket is not None
        and (ticket.staff_chat_id, ticket.staff_topic_id) == (card.chat_id, card.message_thread_id)
    )
    if button is not None and button.action == resolution_prompt.PROMPT_ACTION and in_its_topic:
        assert card is not None and ticket is not None
        await resolution_prompt.on_prompt_button(update, context, ticket, card)
        return
    if (
        button is None
        or card is None
        or ticket is None
        or not in_its_topic
        or ticket.staff_card_message_id not in (None, card.message_id)  # not its card
        or button.action == resolution_prompt.PROMPT_ACTION
    ):
        await answer(update, context, t.t("This button is no longer valid."))
        return
    await answer(update, context)
    if button.action == "priority":
        await edit_message(context, card, markup=desk_card.priority_keyboard(t, ticket))
        return
    said: str | None = None
    match button.action:
        case "claim":
            assert actor.telegram_id is not None
            me = (actor.telegram_id, actor.name or str(actor.telegram_id))
            said = await assign(context, ticket.id, actor, me)
        case "setpriority":
            said = await set_priority(context, ticket.id, actor, Priority(button.arg))
        case "resolve" if ticket.status.is_active:
            await resolution_prompt.ask_for_note(context, card, ticket)
            return
        case "resolve":
            said = await resolve(context, ticket.id, actor)  # says it is not open
        case "reopen":
            said = await reopen(context, ticket.id, actor)
        case "close":
            said = await close(context, ticket.id, actor)
    if said:
        await context.bot.send_message(
            card.chat_id, said, message_thread_id=card.message_thread_id
        )
    await refresh_card(context, card, ticket.id)  # "card" (Back) only does this


async def refresh_card(context: KefuContext, card: Message, ticket_id: int) -> None:
    """Show the ticket's current state on its card, with the buttons that fit that state."""
    t = staff_words(context)
    async with context.kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    assert ticket is not None
    await edit_message(
        context,
        card,
        text=desk_card.render_card(
            context.kefu, t, ticket, await desk_card.card_tags(context.kefu, ticket)
        ),
        html_text=True,
        markup=desk_card.card_keyboard(t, ticket),
    )
