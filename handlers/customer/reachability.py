"""Telegram says when a customer blocks or unblocks the bot: keep campaigns and relays in step."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler

from bot.context import KefuContext
from storage import customers


async def bot_membership_changed(update: Update, context: KefuContext) -> None:
    change = update.my_chat_member
    if change is None or context.customer_id is None:
        return
    kefu = context.kefu
    async with kefu.db.unit_of_work() as session:
        customer = await customers.get(session, context.customer_id)
        assert customer is not None
        if change.new_chat_member.status == ChatMember.BANNED:  # "kicked": blocked the bot
            await customers.mark_unreachable(session, customer, now=kefu.clock.now())
        elif change.new_chat_member.status == ChatMember.MEMBER:
            await customers.mark_reachable(session, customer, now=kefu.clock.now())


def build_handlers() -> list[BaseHandler]:
    return [ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER)]
