"""The staff desk's handlers: commands and card buttons in the staff chat, replies in topics.

The staff gate (`handlers.staff.gate.admit_staff`) is put in front of every command and button
here, once. Commands match in every chat on purpose, so that whoever is not staff gets a polite
refusal instead of silence. Relaying needs the staff chat's id at build time: a filter cannot
read the context, and a handler that matched every message would swallow the customers' chats.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.services import Kefu
from domain.desk.buttons import PATTERN as DESK_BUTTONS
from domain.templates.buttons import PATTERN as REPLY_BUTTONS
from handlers.common.gates import guard
from handlers.common.groups import MAIN, Handlers
from handlers.staff import (
    attendance,
    card_buttons,
    charges,
    commands,
    customer_profile,
    emergency,
    resolution_prompt,
    return_decisions,
    templates,
)
from handlers.staff.gate import admit_staff
from handlers.staff.record import show_record
from handlers.staff.relay import relay_staff_reply
from handlers.staff.sla_view import show_sla

RELAYED = filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.VIDEO
NEW = ~filters.UpdateType.EDITED

COMMANDS = {
    "note": commands.note,
    "assign": commands.assign_command,
    "priority": commands.priority_command,
    "resolve": commands.resolve_command,
    "reopen": commands.reopen_command,
    "close": commands.close_command,
    "wait": commands.wait_command,
    "charge": charges.charge_command,
    "approve": return_decisions.approve,
    "decline": return_decisions.decline,
    "ticket": show_record,
    "reply": templates.reply_command,
    "customer": customer_profile.show_customer,
    "tag": customer_profile.tag_command,
    "untag": customer_profile.untag_command,
    "customernote": customer_profile.customer_note_command,
    "emergency": emergency.emergency_command,
    "cause": emergency.cause_command,
    "prevent": emergency.prevent_command,
}


def build_handlers(kefu: Kefu) -> Handlers:
    staff_chat_id = kefu.settings.staff_chat_id
    obeyed: list[BaseHandler] = [
        *(CommandHandler(name, callback, filters=NEW) for name, callback in COMMANDS.items()),
        CallbackQueryHandler(card_buttons.on_button, pattern=DESK_BUTTONS),
        CallbackQueryHandler(templates.on_button, pattern=REPLY_BUTTONS),
        *attendance.build_handlers(),
    ]
    if staff_chat_id is None:
        return {MAIN: guard(admit_staff, obeyed)}
    obeyed.append(CommandHandler("sla", show_sla, filters=NEW))
    in_topics = filters.Chat(staff_chat_id) & filters.IS_TOPIC_MESSAGE
    # Before the relay: a reply to a resolution prompt is the note, not words for the customer.
    obeyed.append(
        MessageHandler(
            in_topics
            & filters.TEXT
            & ~filters.COMMAND
            & NEW
            & resolution_prompt.REPLIES_TO_PROMPT,
            resolution_prompt.resolve_with_reply,
        )
    )
    # Not behind the gate: a message in a topic that is no ticket's is not Kefu's to answer, so
    # the relay finds the ticket first and asks the gate after (`relay_staff_reply`).
    relay = MessageHandler(in_topics & RELAYED & ~filters.COMMAND & NEW, relay_staff_reply)
    return {MAIN: [*guard(admit_staff, obeyed), relay]}
