"""How an audience's gate is put in front of its handlers, once, in its `build_handlers()`.

Two kinds of gate:
- `only(accepts, handlers)`: the handlers never see an update the gate does not accept, so it
  goes on to later handlers (customers' handlers see private chats only; a message in a group
  is not theirs to refuse).
- `guard(admit, handlers)`: the handlers match as usual, and `admit` runs before their
  callback; when it refuses (after saying so politely) the callback does not run. Staff and
  admin commands match everywhere on purpose: whoever types one gets an answer, not silence.
  A conversation is guarded at its entry points: once in, the person was admitted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import wraps
from typing import Any

from telegram import Update
from telegram.ext import BaseHandler, ConversationHandler

from bot.context import KefuContext

Accepts = Callable[[Update], bool]
Admit = Callable[[Update, KefuContext], Awaitable[bool]]


def only(accepts: Accepts, handlers: Iterable[BaseHandler]) -> list[BaseHandler]:
    gated: list[BaseHandler] = []
    for handler in handlers:
        if isinstance(handler, ConversationHandler):
            # A conversation entered only through the gate only ever holds state for chats
            # the gate accepts, so its steps need no gate of their own. (The handler stays a
            # ConversationHandler, so PTB still persists its state.)
            entry_points = handler.entry_points
            entry_points[:] = [Only(accepts, entry) for entry in entry_points]
            gated.append(handler)
        else:
            gated.append(Only(accepts, handler))
    return gated


class Only(BaseHandler[Update, KefuContext, Any]):
    """`inner`, for the updates `accepts` lets through; any other update passes it by."""

    # PTB's handlers have no common filter slot (callback query and chat member handlers take
    # none), but every handler decides through check_update, which this one asks first.
    __slots__ = ("accepts", "inner")

    def __init__(self, accepts: Accepts, inner: BaseHandler[Any, Any, Any]) -> None:
        super().__init__(inner.callback, block=inner.block)
        self.accepts, self.inner = accepts, inner

    def check_update(self, update: object) -> Any:
        if not isinstance(update, Update) or not self.accepts(update):
            return None
        return self.inner.check_update(update)

    async def handle_update(  # type: ignore[override]
        self, update: Update, application: Any, check_result: Any, context: KefuContext
    ) -> Any:
        return await self.inner.handle_update(update, application, check_result, context)


def guard(admit: Admit, handlers: Iterable[BaseHandler]) -> list[BaseHandler]:
    gated = list(handlers)
    for handler in gated:
        targets = handler.entry_points if isinstance(handler, ConversationHandler) else [handler]
        for target in targets:
            target.callback = _guarded(admit, target.callback)
    return gated


def _guarded(admit: Admit, callback: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    @wraps(callback)
    async def guarded(update: Update, context: KefuContext) -> Any:
        if not await admit(update, context):
            return None
        return await callback(update, context)

    return guarded
