"""PTB's handler groups, in the order they run for every update.

Within a group the first matching handler wins; every group gets its turn unless a handler
raises ApplicationHandlerStop. Each audience's `build_handlers()` returns its handlers by group,
and `bot.app` registers the audiences one after another, so within a group they keep that order.
"""

from __future__ import annotations

from telegram.ext import BaseHandler

MIDDLEWARE = -3  # who is writing, in which language: before anything else
SHARE = -2  # a customer over their fair-use share goes no further (`handlers.customer.fair_use`)
ANSWERS = -1  # survey answers and campaign controls, before a flow's catch-all could refuse them
MAIN = 0  # commands, flows, the staff desk, and last the fallbacks
LAST = 1  # a press nobody answered is answered here (`handlers.common.answers`)

Handlers = dict[int, list[BaseHandler]]
