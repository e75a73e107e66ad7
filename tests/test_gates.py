"""The customers' gate: their handlers never match an update from a group, whatever it carries.

(The sandbox refuses to forge a press of a button that was never sent, as Telegram's own
clients do; a modified client can, so the gate is checked here on the handlers themselves.)
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.ext import CallbackQueryHandler, ConversationHandler

from handlers.common.buttons import MENU_REPAIR
from handlers.common.gates import only
from handlers.customer import in_private_chat, repair

ALICE = User(1001, "Alice", is_bot=False)
PRIVATE = Chat(1001, Chat.PRIVATE)
GROUP = Chat(-1001000000001, Chat.SUPERGROUP)


def press(chat: Chat, data: str) -> Update:
    shown = Message(7, datetime.now(UTC), chat, from_user=User(1, "Kefu", is_bot=True))
    return Update(1, callback_query=CallbackQuery("q", ALICE, "chat", message=shown, data=data))


async def _noop(update: Update, context: object) -> None:
    return None


@pytest.mark.parametrize(("chat", "matches"), [(PRIVATE, True), (GROUP, False)])
def test_a_menu_button_opens_a_flow_only_in_a_private_chat(chat: Chat, matches: bool) -> None:
    (flow,) = only(in_private_chat, [repair.build_handler(30)])
    assert isinstance(flow, ConversationHandler)  # still persisted by PTB as a conversation
    assert bool(flow.check_update(press(chat, MENU_REPAIR.data()))) is matches


@pytest.mark.parametrize(("chat", "matches"), [(PRIVATE, True), (GROUP, False)])
def test_a_customer_button_is_theirs_only_in_private(chat: Chat, matches: bool) -> None:
    (handler,) = only(in_private_chat, [CallbackQueryHandler(_noop, pattern=MENU_REPAIR.pattern)])
    assert bool(handler.check_update(press(chat, MENU_REPAIR.data()))) is matches
