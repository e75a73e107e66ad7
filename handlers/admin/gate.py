"""The admin gate: survey campaigns are for the configured admin ids only.

Put once in front of every admin command and button (`handlers.admin.build_handlers`). Callback
data can be forged and commands typed by anyone, so the presser's id is checked every time;
whoever is refused is told so in their own language, and nothing else handles the update.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import KefuContext
from handlers.common.answers import answer


async def admit_admin(update: Update, context: KefuContext) -> bool:
    user = update.effective_user
    if context.kefu.is_admin(user.id if user else None):
        return True
    refusal = context.t.t("Sorry, only Kefu's administrators can run survey campaigns.")
    if update.callback_query:
        await answer(update, context, refusal, alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(refusal)
    raise ApplicationHandlerStop
