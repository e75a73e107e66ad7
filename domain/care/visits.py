"""Follow-up visits (回访): some days after a ticket is resolved (`[care.followup_days]`, per
ticket type), the customer is asked whether the product still works well.

`care:visits` runs at start-up and every `SCAN_SECONDS`: it queues the visits that came due in
the campaign outbox (`storage.visits.queue_due`, one row per ticket) and wakes the campaign
sender, which sends them within Telegram's limits, each once, resuming after a crash from its
lease (`domain.campaigns.sender`). The sender words each visit from its ticket here
(`visit_message`), and skips it when the ticket was reopened or erased meanwhile. Answers come
back through `handlers.customer.surveys`; "No, the problem is back" is
`domain.care.repeats`.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup
from telegram.ext import CallbackContext, JobQueue

from bot.i18n import Translator
from bot.instance import exclusive_job
from bot.services import Kefu
from domain.campaigns import runtime
from domain.surveys.questions import campaign_keyboard, visit_question
from storage import tickets, visits
from storage.enums import Language
from storage.models import Ticket
from storage.survey_models import CampaignKind

logger = logging.getLogger("kefu.care")

SCAN_SECONDS = 120
BATCH = 500  # rows per transaction; a scan writes batches until one comes back short


async def queue_due_visits(kefu: Kefu) -> int:
    """Queue every visit that came due and wake the sender; how many rows were written."""
    queued = 0
    while True:
        async with kefu.db.unit_of_work() as session:
            written = await visits.queue_due(
                session,
                now=kefu.clock.now(),
                days=kefu.config.care.followup_days,
                limit=BATCH,
            )
        queued += written
        if written < BATCH:
            break
    if queued:
        runtime.wake(kefu)
    return queued


@exclusive_job("care:visits")
async def scan_job(context: CallbackContext) -> None:
    """Job: queue the visits that came due."""
    kefu: Kefu = context.bot_data.kefu
    try:
        await queue_due_visits(kefu)
    except Exception:
        logger.exception("queueing follow-up visits failed; will retry")


def schedule_jobs(jobs: JobQueue) -> None:
    # At start-up too: a repeating job's first run would wait a whole interval (RELIABILITY.md).
    jobs.run_once(scan_job, when=0, name="care:visits:start")
    jobs.run_repeating(scan_job, interval=SCAN_SECONDS, first=SCAN_SECONDS, name="care:visits")


def product_name(kefu: Kefu, ticket: Ticket, language: str) -> str | None:
    """The ticket's product in `language`, as the business names it; None if it names none."""
    if ticket.product_id is None:
        return None
    product = kefu.config.product(ticket.product_id)
    return product.name.get(Language(language)) if product else ticket.product_id


def still_due(ticket: Ticket | None) -> bool:
    """Whether a queued visit is still to be sent: its ticket is still resolved (a reopened
    one has no `resolved_at` until resolved again) and its personal data not erased."""
    return (
        ticket is not None
        and ticket.resolved_at is not None
        and ticket.personal_data_erased_at is None
    )


async def visit_message(
    kefu: Kefu, t: Translator, ticket_id: int | None, recipient_id: int
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The visit's question and buttons in `t`'s language; None if it is not to be sent."""
    if ticket_id is None:
        return None
    async with kefu.db.read_only() as session:
        ticket = await tickets.get(session, ticket_id)
    if ticket is None or not still_due(ticket):
        return None
    text = visit_question(t, ticket.number, product_name(kefu, ticket, t.language))
    return text, campaign_keyboard(t, CampaignKind.FOLLOWUP, {}, recipient_id)
