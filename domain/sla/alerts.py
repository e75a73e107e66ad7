"""The SLA alert scanner: claim what has come due, then deliver it to the staff desk.

Every `scan_interval_seconds` (and once at start-up) `scan`:

1. **Claims** in one transaction, for the tickets whose `next_alert_at` has come (one indexed
   range query): it inserts a `pending` row per due alert into `sla_alerts`, whose unique key
   (ticket, timer, level, deadline version) makes a second claim a no-op, and moves the
   ticket's `next_alert_at` to its next pending level. Then it commits.
2. **Delivers** every `pending` row, whoever claimed it (so also those a crash left behind):
   to the ticket's topic, a short line to the staff group's General topic and, for a breach,
   to the escalation chat, mentioning the assignee. Telegram is never called inside a
   transaction. After each destination the row records how far it got; when all are done it
   is marked `sent` and the ticket's service record gets an `alert` event.

Exactly once, with one exception: a message whose send was under way when the process died
(sent, but not yet recorded) is sent again after the restart. Nothing due is lost: the claim
is committed before any send, and pending rows are retried until delivered. An alert whose
timer has stopped or whose deadline changed before delivery is marked `obsolete`, unsent; a
warning still undelivered when its deadline passes is `skipped` (its breach alert follows), as
are warnings overtaken within one scan (after an outage only the latest level is sent).
With several Kefu instances, a scan runs on one at a time (the `sla:scan` job lease of
`bot.instance`), so each pending alert is delivered by one of them; a scan cut short on one
instance is resumed by the next scan on any.

An emergency's alerts (timer "emergency") are claimed by the change that raises them, not by
the scan, and are delivered here the same way; `domain.desk.emergency_alerts` says where they
go and what they say, and `deliver_soon` has them sent without waiting for the next scan.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import CallbackContext, JobQueue

from bot.i18n import Translator
from bot.instance import exclusive_job, run_exclusively
from bot.metrics import SLA_ALERTS
from bot.services import Kefu
from domain.desk import emergency_alerts
from domain.sla.timers import BREACH, Timer, due_points, next_alert_after
from domain.sla.tracking import SlaRules, points_of, sla_flush_hook
from domain.sla.wording import AlertFacts, alert_line, topic_alert
from storage import events
from storage import sla as alerts_store
from storage.enums import EventKind
from storage.events import Actor
from storage.models import SlaAlert, Ticket

logger = logging.getLogger("kefu.sla")

SCAN_JOB = "sla:scan"
SOON_JOB = "sla:scan-now"
STARTUP_SCAN_JOB = "sla:scan-at-start-up"
BATCH = 100
MAX_BATCHES = 20  # per scan; the rest waits for the next one
NUDGE_TRIES = 5

# One scan at a time per Kefu: the job and a direct call (tests, the demo) must not overlap.
_locks: weakref.WeakKeyDictionary[Kefu, asyncio.Lock] = weakref.WeakKeyDictionary()
_caught_up: weakref.WeakSet[Kefu] = weakref.WeakSet()


@dataclass(frozen=True)
class ScanResult:
    claimed: int  # alerts claimed for sending in this scan
    sent: int  # alerts delivered in this scan (also ones claimed earlier)


def ensure_tracking(kefu: Kefu) -> None:
    """Install the SLA flush hook on `kefu.db` unless it has one (see `domain.sla.tracking`)."""
    if kefu.db.on_ticket_flush is None:
        kefu.db.on_ticket_flush = sla_flush_hook(kefu.config, kefu.timezone)


def schedule_jobs(job_queue: JobQueue, kefu: Kefu) -> None:
    """Scan once right after start-up (sending what a crash left pending), then every
    `[sla] scan_interval_seconds`."""
    ensure_tracking(kefu)
    interval = kefu.config.sla.scan_interval_seconds
    # PTB cannot start a repeating job at once (first=0 waits an interval): a one-off does,
    # however late the scheduler starts (no misfire limit).
    job_queue.run_once(
        scan_job, when=1, name=STARTUP_SCAN_JOB, job_kwargs={"misfire_grace_time": None}
    )
    job_queue.run_repeating(scan_job, interval=interval, first=interval, name=SCAN_JOB)


def deliver_soon(job_queue: JobQueue | None) -> None:
    """Scan now rather than at the next interval: an alert claimed in a committed transaction
    (an emergency) should not wait. Only a nudge: the claim is what makes it go out."""
    if job_queue is not None:
        job_queue.run_once(nudge_job, when=0, name=SOON_JOB, data=0)


async def nudge_job(context: CallbackContext) -> None:
    """A scan now; if another instance is scanning (it may have read the pending alerts before
    this one was claimed), again a second later, a few times, rather than at the next interval."""
    kefu: Kefu = context.bot_data.kefu
    done = await run_exclusively(kefu, "sla:scan", lambda: _scan_logged(context.bot, kefu))
    tries = context.job.data if context.job is not None else NUDGE_TRIES
    if done is None and isinstance(tries, int) and tries < NUDGE_TRIES and context.job_queue:
        context.job_queue.run_once(nudge_job, when=1, name=SOON_JOB, data=tries + 1)


@exclusive_job("sla:scan")
async def scan_job(context: CallbackContext) -> None:
    await _scan_logged(context.bot, context.bot_data.kefu)


async def _scan_logged(bot: Bot, kefu: Kefu) -> bool:
    try:
        await scan(bot, kefu)
    except TelegramError:
        logger.warning("SLA scan stopped by Telegram; the next scan resumes", exc_info=True)
    return True


async def scan(bot: Bot, kefu: Kefu) -> ScanResult:
    """Claim the alerts due at `kefu.clock.now()` and deliver every pending one."""
    rules = SlaRules(kefu.config, kefu.calendar)
    lock = _locks.setdefault(kefu, asyncio.Lock())
    async with lock:
        if kefu not in _caught_up:
            await track_untracked(kefu)
            _caught_up.add(kefu)
        claimed = await claim_due(kefu, rules, kefu.clock.now())
        sent = await deliver_pending(bot, kefu)
    return ScanResult(claimed, sent)


async def track_untracked(kefu: Kefu) -> None:
    """Give timers to active tickets that have none yet (opened before SLA tracking): loading
    them in a unit of work is enough, the flush hook does the rest when it commits."""
    ensure_tracking(kefu)
    after_id = 0
    for _ in range(MAX_BATCHES):
        async with kefu.db.unit_of_work() as session:
            batch = await alerts_store.active_untracked(session, limit=BATCH, after_id=after_id)
        if len(batch) < BATCH:
            return
        after_id = batch[-1].id


async def claim_due(kefu: Kefu, rules: SlaRules, now: datetime) -> int:
    """Claim every alert due at `now`; the number claimed for sending (not skipped)."""
    total = 0
    for _ in range(MAX_BATCHES):
        async with kefu.db.unit_of_work() as session:
            tickets = await alerts_store.tickets_due(session, now, limit=BATCH)
            claimed = await alerts_store.claimed_keys(session, [t.id for t in tickets])
            for ticket in tickets:
                total += await _claim_for(session, ticket, rules, now, claimed)
        if len(tickets) < BATCH:
            break
    return total


async def _claim_for(
    session: AsyncSession,
    ticket: Ticket,
    rules: SlaRules,
    now: datetime,
    claimed: set[tuple[int, str, str, int]],
) -> int:
    points = points_of(ticket, rules)
    mine = {(timer, level, version) for tid, timer, level, version in claimed if tid == ticket.id}
    count = 0
    for point, send in due_points(points, now, mine):
        status = alerts_store.AlertStatus.PENDING if send else alerts_store.AlertStatus.SKIPPED
        alert_id = await alerts_store.claim(
            session,
            ticket.id,
            point.key,
            due_at=point.due,
            alert_at=point.at,
            status=status,
            now=now,
        )
        count += bool(alert_id is not None and send)
    ticket.next_alert_at = next_alert_after(points, now)
    return count


async def deliver_pending(bot: Bot, kefu: Kefu) -> int:
    """Send every pending alert; stops at the first transient Telegram error (retried later)."""
    async with kefu.db.read_only() as session:
        pending = await alerts_store.pending(session, limit=BATCH)
    sent = 0
    for alert, ticket in pending:
        if not still_due(alert, ticket):
            await _finish(kefu, alert, ticket, alerts_store.AlertStatus.OBSOLETE)
            continue
        if emergency_alerts.is_emergency_alert(alert) and not emergency_alerts.ready(
            alert, ticket, kefu.clock.now()
        ):
            continue  # its topic is on the way; the next scan (or the announcement's nudge)
        late = alert.due_at <= kefu.clock.now()
        if late and alert.level != BREACH and not emergency_alerts.is_emergency_alert(alert):
            # A warning that could not go out in time: its breach alert says it all.
            await _finish(kefu, alert, ticket, alerts_store.AlertStatus.SKIPPED)
            continue
        if not await _deliver(bot, kefu, alert, ticket):
            break
        sent += await _finish(kefu, alert, ticket, alerts_store.AlertStatus.SENT)
    return sent


def still_due(alert: SlaAlert, ticket: Ticket) -> bool:
    """The alert's deadline is still the ticket's, and its timer still runs."""
    if emergency_alerts.is_emergency_alert(alert):
        return emergency_alerts.still_due(alert, ticket)
    if not ticket.status.is_active:
        return False
    if alert.timer == Timer.FIRST_RESPONSE:
        due, version = ticket.first_response_due_at, ticket.first_response_version
    else:
        due, version = ticket.resolution_due_at, ticket.resolution_version
        if ticket.resolution_paused_at is not None:
            return False
    return due is not None and version == alert.version


async def _deliver(bot: Bot, kefu: Kefu, alert: SlaAlert, ticket: Ticket) -> bool:
    """Post to each destination not yet reached; False on a transient failure."""
    for index, (chat_id, thread_id, text) in enumerate(destinations(kefu, alert, ticket)):
        if index < alert.delivered:
            continue
        try:
            await bot.send_message(
                chat_id, text, message_thread_id=thread_id, parse_mode=ParseMode.HTML
            )
        except (BadRequest, Forbidden):
            # Permanent (topic deleted, bot removed from the chat): retrying cannot help.
            logger.warning("SLA alert %s not posted to chat %s", alert.id, chat_id, exc_info=True)
        except TelegramError:
            logger.warning("SLA alert %s: Telegram failed; will retry", alert.id, exc_info=True)
            return False
        async with kefu.db.unit_of_work() as session:
            await alerts_store.record_delivery(session, alert.id, index + 1)
    return True


def destinations(kefu: Kefu, alert: SlaAlert, ticket: Ticket) -> list[tuple[int, int | None, str]]:
    """(chat, topic, text) in a fixed order, so `SlaAlert.delivered` can count them."""
    if emergency_alerts.is_emergency_alert(alert):
        return emergency_alerts.destinations(kefu, alert, ticket)
    t = staff_translator(kefu)
    facts = alert_facts(alert, ticket, kefu.clock.now())
    group = ticket.staff_chat_id or kefu.settings.staff_chat_id
    found: list[tuple[int, int | None, str]] = []
    if ticket.staff_chat_id is not None and ticket.staff_topic_id is not None:
        topic = topic_alert(t, facts, kefu.timezone)
        found.append((ticket.staff_chat_id, ticket.staff_topic_id, topic))
    if group is not None:
        found.append((group, None, alert_line(t, facts, kefu.timezone, as_html=True)))
    escalation = kefu.config.sla.escalation_chat_id
    if facts.is_breach and escalation is not None and escalation != group:
        found.append((escalation, None, alert_line(t, facts, kefu.timezone, as_html=True)))
    return found


def alert_facts(alert: SlaAlert, ticket: Ticket, now: datetime) -> AlertFacts:
    return AlertFacts(
        number=ticket.number,
        timer=Timer(alert.timer),
        level=alert.level,
        due=alert.due_at,
        now=max(now, alert.alert_at),
        assignee_name=ticket.assignee_name,
        assignee_id=ticket.assignee_telegram_id,
    )


def staff_translator(kefu: Kefu) -> Translator:
    return kefu.catalogs.for_language(kefu.config.support.language_default)


async def _finish(
    kefu: Kefu, alert: SlaAlert, ticket: Ticket, status: alerts_store.AlertStatus
) -> bool:
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        finished = await alerts_store.finish(session, alert.id, status, now=now)
        if finished and status == alerts_store.AlertStatus.SENT:
            line = _record_line(kefu, alert, ticket, now)
            await events.append(
                session,
                ticket,
                EventKind.ALERT,
                Actor.system(),
                now=now,
                text=line,
                data={
                    "timer": alert.timer,
                    "level": alert.level,
                    "version": alert.version,
                    "due_at": alert.due_at.isoformat(),
                },
            )
    if finished and status == alerts_store.AlertStatus.SENT:
        level = "breach" if alert.level == alerts_store.BREACH else "warning"
        SLA_ALERTS.labels(level=level).inc()
    return finished


def _record_line(kefu: Kefu, alert: SlaAlert, ticket: Ticket, now: datetime) -> str:
    t = staff_translator(kefu)
    if emergency_alerts.is_emergency_alert(alert):
        return emergency_alerts.record_text(t, alert, ticket)
    return alert_line(t, alert_facts(alert, ticket, now), kefu.timezone, as_html=False)
