"""The staff desk's handlers, for the lead to register before the customer fallbacks.

Relaying needs the staff chat's id at build time: a filter cannot read the context, and a
handler that matched every message would swallow the customers' chats. Commands match in
every chat so that anyone who is not staff gets a polite refusal instead of silence.
"""

from __future__ import annotations

from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers import staff_commands as commands
from handlers import staff_returns
from handlers.staff_record import show_record
from handlers.staff_relay import relay_staff_reply

RELAYED = filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.VIDEO
NEW = ~filters.UpdateType.EDITED


def build_handlers(staff_chat_id: int | None) -> list[BaseHandler]:
    handlers: list[BaseHandler] = [
        CommandHandler("note", commands.note, filters=NEW),
        CommandHandler("assign", commands.assign_command, filters=NEW),
        CommandHandler("priority", commands.priority_command, filters=NEW),
        CommandHandler("resolve", commands.resolve_command, filters=NEW),
        CommandHandler("reopen", commands.reopen_command, filters=NEW),
        CommandHandler("close", commands.close_command, filters=NEW),
        CommandHandler("wait", commands.wait_command, filters=NEW),
        CommandHandler("approve", staff_returns.approve, filters=NEW),
        CommandHandler("decline", staff_returns.decline, filters=NEW),
        CommandHandler("ticket", show_record, filters=NEW),
        CallbackQueryHandler(commands.on_button, pattern=r"^desk:"),
    ]
    if staff_chat_id is not None:
        in_topics = filters.Chat(staff_chat_id) & filters.IS_TOPIC_MESSAGE
        handlers.append(
            MessageHandler(in_topics & RELAYED & ~filters.COMMAND & NEW, relay_staff_reply)
        )
    return handlers
