"""One send to a customer, and what its outcome means for the outbox.

- 429: not delivered; wait `retry_after` (everyone: it is the bot's overall limit) and retry.
- 403 (blocked, deactivated) and 400 "chat not found": permanent; the customer is unreachable.
- Any other 400: permanent for this message (retrying the same request cannot help).
- Time-outs, 5xx and network errors: retry with backoff. A time-out may hide a delivery, so a
  retry can duplicate: for a survey question a rare duplicate is better than a silent miss.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum, auto

from telegram import Message
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.metrics import CAMPAIGN_SENDS
from bot.retry import retry_after_seconds

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0


class Outcome(Enum):
    SENT = auto()
    RATE_LIMITED = auto()
    UNREACHABLE = auto()
    FAILED = auto()  # permanently
    RETRY = auto()


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    message_id: int | None = None
    retry_after: float = 0.0
    error_code: int | None = None
    error: str | None = None


def backoff(attempt: int) -> timedelta:
    """2 s, 4 s, 8 s ... up to 5 minutes, after the `attempt`-th failure (1-based)."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


async def attempt(send: Callable[[], Awaitable[Message]]) -> Result:
    result = await _attempt(send)
    CAMPAIGN_SENDS.labels(outcome=result.outcome.name.lower()).inc()
    return result


async def _attempt(send: Callable[[], Awaitable[Message]]) -> Result:
    try:
        message = await send()
    except RetryAfter as error:
        return Result(Outcome.RATE_LIMITED, retry_after=retry_after_seconds(error), error_code=429)
    except Forbidden as error:
        return Result(Outcome.UNREACHABLE, error_code=403, error=error.message)
    except BadRequest as error:
        if "chat not found" in error.message.lower():
            return Result(Outcome.UNREACHABLE, error_code=400, error=error.message)
        return Result(Outcome.FAILED, error_code=400, error=error.message)
    except TelegramError as error:
        return Result(Outcome.RETRY, error=f"{type(error).__name__}: {error.message}")
    return Result(Outcome.SENT, message_id=message.message_id)
