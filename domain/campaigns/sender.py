"""The campaign sender: drains the outbox within Telegram's limits.

One sender per process. It claims a batch of due recipients under a lease, starts their sends
evenly spaced at `rate` per second with at most `concurrency` in flight, and records each
outcome in its own transaction as soon as the send returns. A crash therefore repeats at most
`concurrency` sends (those in flight); rows it had claimed but not started wait out their lease
and are then sent once by whoever claims them.

Sends go through the application's bot and so through Kefu's rate limiter
(`bot.send_budget`): one budget of Telegram's ~30 messages/s for the campaign *and* the
conversations (with Redis, of every instance), evenly spaced at the rate Telegram is found to
allow (`bot.send_rate`: 95.5 % of 30 until a 429 says otherwise), and a 429 pauses every request
for retry_after. The sender paces itself at that nominal rate too (its guard when the limiter
is off), so the campaign takes whatever the conversations leave; as at most `concurrency` of
its sends wait for the budget, a customer's answer waits behind a handful of them at most.
(Passing `rate_limit_args=0` would not bypass the limiter's retries: PTB reads it as "use the
default".) A 429 that escapes the limiter's own retries puts the row back, due after
retry_after, and holds the sender's pace for as long.

Follow-up visits (`CampaignKind.FOLLOWUP`), warranty and maintenance reminders
(`CampaignKind.REMINDER`) share the outbox and its pace: each is worded from its ticket when it
is sent (`domain.care.visits`, `domain.care.reminders`), so the outbox holds no personal text,
and skipped if it is no longer due (the ticket reopened or erased, the reminders stopped).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot.i18n import Translator
from bot.pacing import Pacer
from bot.services import Kefu
from bot.shared_budget import OVERALL_PER_SECOND
from domain.campaigns.delivery import Outcome, Result, attempt, backoff
from domain.care import event_messages, reminders, visits
from domain.surveys.questions import campaign_keyboard, campaign_text
from storage import campaigns, customers, outbox
from storage.outbox import Delivery
from storage.survey_models import CampaignKind, DeliveryStatus

logger = logging.getLogger("kefu.campaigns")

DEFAULT_RATE = OVERALL_PER_SECOND  # messages a second; Telegram allows about 30 in all
DEFAULT_CONCURRENCY = 4
LEASE = timedelta(seconds=10)
LEASE_MARGIN_SECONDS = 3.0  # stop starting sends this long before the lease ends
MAX_ATTEMPTS = 5


@dataclass
class Stats:
    sent: int = 0
    rate_limited: int = 0  # 429s that reached the sender (after the limiter's own retries)
    unreachable: int = 0
    failed: int = 0


class CampaignSender:
    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        kefu: Kefu,
        *,
        rate: float = DEFAULT_RATE,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.application, self.kefu = application, kefu
        self.rate, self.concurrency = rate, concurrency
        self.worker = secrets.token_hex(8)  # this process's name on its leases
        self.stats = Stats()
        self._task: asyncio.Task[None] | None = None
        self._halted: set[int] = set()  # campaigns paused or cancelled in this process

    @property
    def batch_size(self) -> int:
        return max(self.concurrency, int(self.rate))  # about a second of sending

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def wake(self) -> None:
        """Start draining the outbox unless already at it."""
        if not self.busy and self.application.running:
            self._task = self.application.create_task(self._drain(), name="campaigns:sender")

    def halt(self, campaign_id: int) -> None:
        """Stop sending this campaign now (pause, cancel): its claimed rows go back unsent."""
        self._halted.add(campaign_id)

    def allow(self, campaign_id: int) -> None:
        self._halted.discard(campaign_id)
        self.wake()

    async def _drain(self) -> None:
        pacer = Pacer(self.rate)
        slots = asyncio.Semaphore(self.concurrency)
        in_flight: set[asyncio.Task[None]] = set()
        try:
            while self.application.running:
                # A claim sees only running campaigns: what was halted before it is settled.
                self._halted.clear()
                try:
                    async with self.kefu.db.unit_of_work() as session:
                        batch = await outbox.claim(
                            session, worker=self.worker, limit=self.batch_size, lease=LEASE
                        )
                except Exception:
                    logger.exception("claiming campaign recipients failed; will retry")
                    return
                if not batch:
                    return
                # The next batch is claimed while this one's last sends are still in flight,
                # so the pace does not stall between batches.
                await self._start_batch(batch, pacer, slots, in_flight)
        finally:
            await asyncio.gather(*in_flight, return_exceptions=True)

    async def _start_batch(
        self,
        batch: list[Delivery],
        pacer: Pacer,
        slots: asyncio.Semaphore,
        in_flight: set[asyncio.Task[None]],
    ) -> None:
        loop = asyncio.get_running_loop()
        stop_at = loop.time() + LEASE.total_seconds() - LEASE_MARGIN_SECONDS
        questions = await self._questions({d.campaign_id for d in batch})
        unsent: list[int] = []
        for delivery in batch:
            if (
                not self.application.running
                or delivery.campaign_id in self._halted
                or loop.time() > stop_at
            ):
                unsent.append(delivery.recipient_id)
                continue
            await pacer.wait()
            await slots.acquire()
            task = asyncio.create_task(
                self._deliver(delivery, questions[delivery.campaign_id], pacer)
            )
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            task.add_done_callback(lambda _: slots.release())
        if unsent:
            async with self.kefu.db.unit_of_work() as session:
                await outbox.release(session, unsent, worker=self.worker)

    async def _questions(self, ids: set[int]) -> dict[int, tuple[CampaignKind, dict[str, Any]]]:
        found: dict[int, tuple[CampaignKind, dict[str, Any]]] = {}
        async with self.kefu.db.read_only() as session:
            for campaign_id in ids:
                campaign = await campaigns.get(session, campaign_id)
                assert campaign is not None  # recipients are deleted with their campaign
                found[campaign_id] = (campaign.kind, dict(campaign.texts))
        return found

    async def _deliver(
        self, delivery: Delivery, question: tuple[CampaignKind, dict[str, Any]], pacer: Pacer
    ) -> None:
        try:
            t = self.kefu.catalogs.for_language(delivery.language)
            message = await self._message(delivery, question, t)
            if message is None:
                async with self.kefu.db.unit_of_work() as session:
                    await outbox.mark_final(
                        session, delivery.recipient_id, DeliveryStatus.SKIPPED, worker=self.worker
                    )
                return
            text, markup = message
            result = await attempt(
                lambda: self.application.bot.send_message(
                    delivery.telegram_id, text, reply_markup=markup
                )
            )
            if result.outcome == Outcome.RATE_LIMITED:
                pacer.hold(result.retry_after)
            await self._record(delivery, result)
        except Exception:
            # The row keeps its lease and is sent again once the lease runs out.
            logger.exception("campaign recipient %s: sending failed", delivery.recipient_id)

    async def _message(
        self, delivery: Delivery, question: tuple[CampaignKind, dict[str, Any]], t: Translator
    ) -> tuple[str, InlineKeyboardMarkup] | None:
        """What to send, in `t`'s language; None: nothing (no longer consented or opted out,
        a visit or reminder no longer due)."""
        kind, texts = question
        match kind:
            case CampaignKind.REMINDER:
                # Reminders have their own "Stop these reminders"; the surveys' is not theirs.
                if not delivery.consented:
                    return None
                return await reminders.reminder_message(self.kefu, t, delivery, texts)
            case CampaignKind.EVENT:
                # An announcement honours the opt-out, a reminder (asked for) consent only.
                return await event_messages.event_message(self.kefu, t, delivery, texts)
            case CampaignKind.FOLLOWUP:
                if not delivery.may_receive:
                    return None
                return await visits.visit_message(
                    self.kefu, t, delivery.ticket_id, delivery.recipient_id
                )
            case _:
                if not delivery.may_receive:
                    return None
                return (
                    campaign_text(t, kind, texts),
                    campaign_keyboard(t, kind, texts, delivery.recipient_id),
                )

    async def _record(self, delivery: Delivery, result: Result) -> None:
        rid, worker = delivery.recipient_id, self.worker
        attempts = delivery.attempts + 1
        async with self.kefu.db.unit_of_work() as session:
            match result.outcome:
                case Outcome.SENT:
                    assert result.message_id is not None
                    self.stats.sent += 1
                    await outbox.mark_sent(
                        session,
                        rid,
                        worker=worker,
                        message_id=result.message_id,
                        language=delivery.language,
                        now=self.kefu.clock.now(),
                    )
                case Outcome.RATE_LIMITED:
                    self.stats.rate_limited += 1
                    await outbox.retry_later(
                        session,
                        rid,
                        worker=worker,
                        delay=timedelta(seconds=result.retry_after),
                        count_attempt=False,
                        error_code=429,
                    )
                case Outcome.UNREACHABLE:
                    self.stats.unreachable += 1
                    await outbox.mark_final(
                        session,
                        rid,
                        DeliveryStatus.BLOCKED,
                        worker=worker,
                        error_code=result.error_code,
                        error=result.error,
                    )
                    customer = await customers.get(session, delivery.customer_id)
                    if customer is not None:
                        await customers.mark_unreachable(
                            session, customer, now=self.kefu.clock.now()
                        )
                case Outcome.FAILED:
                    self.stats.failed += 1
                    await outbox.mark_final(
                        session,
                        rid,
                        DeliveryStatus.FAILED,
                        worker=worker,
                        error_code=result.error_code,
                        error=result.error,
                    )
                case Outcome.RETRY if attempts >= MAX_ATTEMPTS:
                    self.stats.failed += 1
                    await outbox.mark_final(
                        session, rid, DeliveryStatus.FAILED, worker=worker, error=result.error
                    )
                case Outcome.RETRY:
                    await outbox.retry_later(
                        session,
                        rid,
                        worker=worker,
                        delay=backoff(attempts),
                        count_attempt=True,
                        error=result.error,
                    )
