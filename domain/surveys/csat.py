"""The satisfaction survey after a resolved ticket: scanning, sending, alerting staff.

Every `SCAN_INTERVAL_SECONDS` a job creates the surveys of tickets resolved at least
`csat_delay_minutes` ago (one row per ticket, unique), leases the unsent ones and sends them.
Everything is in the database, so a restart loses nothing: an interrupted send is retried once
its lease runs out. Nothing is sent inside a transaction.

A low score (≤ `low_score_threshold`) is posted in the ticket's staff topic at once; the same
job posts any alert a crash kept from going out. Between a posted alert and its `alerted_at`
a crash can repeat it: for an unhappy customer a duplicate alert beats a missed one.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackContext

from bot.i18n import Translator
from bot.instance import exclusive_job
from bot.services import Kefu
from domain.campaigns.delivery import Outcome, attempt, backoff
from domain.surveys.questions import ticket_keyboard, ticket_question
from storage import customers, surveys
from storage.models import Customer, Ticket

logger = logging.getLogger("kefu.surveys")

SCAN_INTERVAL_SECONDS = 30
BATCH = 50
LEASE = timedelta(minutes=2)
# Alerts being posted right now, per Kefu instance (the handler and the job may both try).
_alerting: set[tuple[int, int]] = set()


def staff_words(kefu: Kefu) -> Translator:
    return kefu.catalogs.for_language(kefu.config.support.language_default)


def customer_label(customer: Customer) -> str:
    if customer.first_name:
        return " ".join(filter(None, [customer.first_name, customer.last_name]))
    return f"#{customer.id}"


async def send_due_surveys(bot: Bot, kefu: Kefu) -> int:
    """Create and send the surveys that are due; how many were sent."""
    settings = kefu.config.surveys
    async with kefu.db.unit_of_work() as session:
        due = await surveys.claim_due(
            session,
            now=kefu.clock.now(),
            delay=timedelta(minutes=settings.csat_delay_minutes),
            expiry=timedelta(hours=settings.csat_expiry_hours),
            lease=LEASE,
            limit=BATCH,
        )
    sent = 0
    for survey_id in due:
        sent += await _send(bot, kefu, survey_id)
    return sent


async def _send(bot: Bot, kefu: Kefu, survey_id: int) -> bool:
    async with kefu.db.read_only() as session:
        found = await surveys.with_ticket(session, survey_id)
    if found is None:
        return False
    survey, ticket = found
    customer = ticket.customer
    t = kefu.catalogs.for_language(customer.language)
    result = await attempt(
        lambda: bot.send_message(
            customer.telegram_id,
            ticket_question(t, ticket.number),
            parse_mode=ParseMode.HTML,
            reply_markup=ticket_keyboard(survey.id),
        )
    )
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        match result.outcome:
            case Outcome.SENT:
                assert result.message_id is not None
                await surveys.mark_sent(session, survey_id, message_id=result.message_id, now=now)
            case Outcome.UNREACHABLE | Outcome.FAILED:
                await surveys.mark_failed(session, survey_id, now=now)
                if result.outcome == Outcome.UNREACHABLE:
                    stored = await customers.get(session, customer.id)
                    if stored is not None:
                        await customers.mark_unreachable(session, stored, now=now)
            case Outcome.RATE_LIMITED:
                delay = timedelta(seconds=result.retry_after)
                await surveys.retry_later(session, survey_id, delay=delay, now=now)
            case Outcome.RETRY:
                delay = backoff(survey.attempts + 1)
                await surveys.retry_later(session, survey_id, delay=delay, now=now)
    if result.outcome != Outcome.SENT:
        logger.info("survey %s not sent: %s %s", survey_id, result.outcome.name, result.error)
    return result.outcome == Outcome.SENT


# --- staff alerts -------------------------------------------------------------------------------


def _staff_place(kefu: Kefu, ticket: Ticket) -> tuple[int | None, int | None]:
    """The ticket's topic, or the staff chat's General topic if it has none."""
    if ticket.staff_chat_id is not None:
        return ticket.staff_chat_id, ticket.staff_topic_id
    return kefu.settings.staff_chat_id, None


async def alert_low_score(bot: Bot, kefu: Kefu, survey_id: int) -> None:
    """Post a low score in the ticket's staff topic, once."""
    key = (id(kefu), survey_id)
    if key in _alerting:
        return
    _alerting.add(key)
    try:
        await _alert(bot, kefu, survey_id)
    finally:
        _alerting.discard(key)


async def _alert(bot: Bot, kefu: Kefu, survey_id: int) -> None:
    async with kefu.db.read_only() as session:
        found = await surveys.with_ticket(session, survey_id)
    if found is None:
        return
    survey, ticket = found
    threshold = kefu.config.surveys.low_score_threshold
    if survey.alerted_at is not None or survey.score is None or survey.score > threshold:
        return
    chat_id, thread = _staff_place(kefu, ticket)
    if chat_id is not None:
        text = staff_words(kefu).render(
            "survey_low_score.html.j2",
            score=survey.score,
            number=ticket.number,
            customer=customer_label(ticket.customer),
            comment=survey.comment,
        )
        try:
            await bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=thread
            )
        except TelegramError:
            logger.warning("low-score alert for survey %s failed; will retry", survey_id)
            return
    async with kefu.db.unit_of_work() as session:
        await surveys.mark_alerted(session, survey_id, now=kefu.clock.now())


async def post_comment(bot: Bot, kefu: Kefu, survey_id: int) -> None:
    """A comment on a low score goes to the staff topic too: it is what follow-up needs."""
    async with kefu.db.read_only() as session:
        found = await surveys.with_ticket(session, survey_id)
    if found is None:
        return
    survey, ticket = found
    low = survey.score is not None and survey.score <= kefu.config.surveys.low_score_threshold
    chat_id, thread = _staff_place(kefu, ticket)
    if not low or chat_id is None or not survey.comment:
        return
    text = staff_words(kefu).render(
        "survey_comment.html.j2", number=ticket.number, score=survey.score, comment=survey.comment
    )
    try:
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, message_thread_id=thread)
    except TelegramError:
        logger.warning("could not post the comment of survey %s", survey_id, exc_info=True)


async def alert_missed(bot: Bot, kefu: Kefu) -> None:
    async with kefu.db.read_only() as session:
        missed = await surveys.unalerted_low_scores(
            session, threshold=kefu.config.surveys.low_score_threshold
        )
    for survey_id in missed:
        await alert_low_score(bot, kefu, survey_id)


@exclusive_job("surveys:csat")
async def scan_job(context: CallbackContext) -> None:
    """Job: send due surveys and any low-score alert still owed."""
    kefu: Kefu = context.bot_data.kefu
    try:
        await send_due_surveys(context.bot, kefu)
        await alert_missed(context.bot, kefu)
    except Exception:
        logger.exception("satisfaction survey scan failed; will retry")
