"""Telegram's send budget, shared out by lanes: answers first, relays after.

A group takes about 20 messages a minute. Posts into the staff group are of two kinds: what
someone is waiting for (SLA alerts, answers to staff commands, a new ticket's card) and copies
of what customers wrote. One customer writing fast must not push an SLA alert or a staff
member's `/sla` minutes back, so copies go through the `RELAY` lane: in each group one relay at
a time waits, and it takes a token only while `RESERVE` more are left, which stay for
everything else. Under a flood the copies thus use what the budget can spare, and, as the desk
merges what piles up meanwhile (`domain.desk.relay`), few posts carry all of it.

This is PTB's `BaseRateLimiter` (as its `AIORateLimiter`, on leaky buckets: 30 messages a
second in all, 20 a minute per group), with the lanes added and a 429 retried after Telegram's
`retry_after`. The buckets are this process's, or every instance's through Redis
(`bot.shared_budget`). With `LocalBudgets(limits=False)` (tests, benches with Telegram's limits
off) nothing is throttled, but the lanes' arguments are still accepted, so calling code is the
same either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot
from telegram.constants import FloodLimit
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter, ExtBot

from bot.metrics import SEND_BUDGET_WAIT, TELEGRAM_ERRORS
from bot.retry import retry_after_seconds
from bot.shared_budget import GROUP_PERIOD, Budgets, LocalBudgets

RELAY = {"lane": "relay"}  # `rate_limit_args` of a copy of a customer's message
RESERVE = 5  # tokens of a group's budget that relays leave for everything else

Callback = Callable[..., Coroutine[Any, Any, Any]]


class LaneRateLimiter(BaseRateLimiter[dict[str, Any] | int]):
    def __init__(self, *, max_retries: int, budgets: Budgets | None = None) -> None:
        self._budgets: Budgets = budgets or LocalBudgets()
        self._relay_lanes: dict[int | str, asyncio.Semaphore] = {}
        self._max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | int | None,
    ) -> Any:
        relay = isinstance(rate_limit_args, dict) and rate_limit_args.get("lane") == "relay"
        retries = rate_limit_args if isinstance(rate_limit_args, int) else self._max_retries
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        group = (
            chat_id
            if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
            else None
        )
        for attempt in range(retries + 1):
            try:
                return await self._run(callback, args, kwargs, chat_id is not None, group, relay)
            except TelegramError as error:
                TELEGRAM_ERRORS.labels(method=endpoint, code=error_code(error)).inc()
                if not isinstance(error, RetryAfter) or attempt == retries:
                    raise
                # Every send waits out Telegram's pause (with Redis, on every instance).
                await self._budgets.pause(retry_after_seconds(error) + 0.1, group=group)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _run(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        chat: bool,
        group: int | str | None,
        relay: bool,
    ) -> Any:
        if relay and group is not None and self._budgets.limited:
            async with self._relay_lanes.setdefault(group, asyncio.Semaphore(1)):
                # A leaky bucket signals no "N tokens free"; one comes back every period /
                # rate, so looking again at that pace is the bucket's own granularity.
                while not await self._budgets.has_room(group, RESERVE + 1):  # noqa: ASYNC110
                    await asyncio.sleep(GROUP_PERIOD / FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP)
                return await self._send(callback, args, kwargs, chat, group)
        return await self._send(callback, args, kwargs, chat, group)

    async def _send(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], chat: bool, group: Any
    ) -> Any:
        waiting = time.perf_counter()
        if group is not None:
            await self._budgets.take(group)
        if chat:
            await self._budgets.take(None)
        await self._budgets.paused()
        SEND_BUDGET_WAIT.observe(time.perf_counter() - waiting)
        return await callback(*args, **kwargs)


def error_code(error: TelegramError) -> str:
    """The Bot API's error code of a failed call, as PTB's exceptions stand for them (PTB keeps
    no code); "network" and "timeout" for calls that got no answer."""
    for kind, code in (
        (RetryAfter, "429"),
        (Conflict, "409"),
        (InvalidToken, "401"),
        (Forbidden, "403"),
        (BadRequest, "400"),
        (TimedOut, "timeout"),
        (NetworkError, "network"),
    ):
        if isinstance(error, kind):
            return code
    return "other"


def relay_lane(bot: Bot) -> dict[str, Any]:
    """The keyword arguments that send a call through the relay lane, where `bot` has one
    (a plain `telegram.Bot`, as some tests use, takes no `rate_limit_args`)."""
    if isinstance(bot, ExtBot) and isinstance(bot.rate_limiter, LaneRateLimiter):
        return {"rate_limit_args": RELAY}
    return {}
