"""The yearly "is your profile still correct?" (`[profiles] confirm_every_days`).

`profiles:checks` runs at start-up and every `SCAN_SECONDS`: for each customer due
(`storage.profile_checks`), it claims the customer in the database, sends the profile with
"Yes, still correct" and "Update", and marks it sent. The claim is a lease in the customer's
row, so several instances ask each customer once, and a crash between the claim and the send
leaves the lease to expire and the question to be asked after a restart. A send whose answer
was lost may have arrived: asking twice in a year is the lesser harm than never asking.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError
from telegram.ext import CallbackContext, JobQueue

from bot.i18n import Translator
from bot.instance import exclusive_job
from bot.services import Kefu
from domain.desk.card import customer_translator
from domain.desk.reach import reach_customer
from domain.profiles.buttons import check_button
from domain.profiles.view import customer_view
from storage import customers, profile_checks, profiles
from storage.profile_checks import Window

logger = logging.getLogger("kefu.profiles")

SCAN_SECONDS = 3600  # a question a year: an hour late is on time
BATCH = 50  # per scan, so one scan never crowds the customers' chats out of the send budget
LEASE = timedelta(minutes=10)


def window(kefu: Kefu) -> Window | None:
    """Who is due now; None when the check is off (`confirm_every_days = 0`)."""
    settings = kefu.config.profiles
    if not settings.confirm_every_days:
        return None
    return Window(
        kefu.clock.now(),
        timedelta(days=settings.confirm_every_days),
        timedelta(days=settings.recent_ticket_days),
    )


def check_markup(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t.t("Yes, still correct"), callback_data=check_button("yes")),
                InlineKeyboardButton(t.t("Update"), callback_data=check_button("update")),
            ]
        ]
    )


async def send_due_checks(bot: Bot, kefu: Kefu) -> int:
    """Ask every customer due, up to BATCH; how many were asked."""
    due_now = window(kefu)
    if due_now is None:
        return 0
    async with kefu.db.read_only() as session:
        due = await profile_checks.due(session, due_now, limit=BATCH)
    asked = 0
    for customer_id in due:
        asked += await _ask(bot, kefu, customer_id, due_now)
    if asked:
        logger.info("asked %d customers to confirm their profile", asked)
    return asked


async def _ask(bot: Bot, kefu: Kefu, customer_id: int, due_now: Window) -> bool:
    async with kefu.db.unit_of_work() as session:
        if not await profile_checks.claim(session, customer_id, due_now, lease=LEASE):
            return False  # another instance has it, or it is no longer due
        customer = await customers.get(session, customer_id)
        assert customer is not None
        products = await profiles.products_of(session, customer_id)
    t = customer_translator(kefu, customer)
    text = "\n\n".join(
        [
            t.t(
                "Once a year we check that what we hold about you is still right, so that our "
                "team reaches you and your products without a hitch. Is this still correct?"
            ),
            customer_view(kefu.config, t, customer, products),
        ]
    )
    try:
        sent = await reach_customer(
            kefu,
            customer_id,
            lambda: bot.send_message(customer.telegram_id, text, reply_markup=check_markup(t)),
        )
    except TelegramError:
        # The lease expires and a later scan asks again.
        logger.warning("profile check to customer %d failed; will retry", customer_id)
        return False
    async with kefu.db.unit_of_work() as session:
        await profile_checks.sent(session, customer_id, now=kefu.clock.now())
    return sent is not None


@exclusive_job("profiles:checks")
async def scan_job(context: CallbackContext) -> None:
    kefu: Kefu = context.bot_data.kefu
    try:
        await send_due_checks(context.bot, kefu)
    except Exception:
        logger.exception("profile checks failed; will retry")


def schedule_jobs(jobs: JobQueue) -> None:
    # At start-up too: a repeating job's first run would wait a whole interval (RELIABILITY.md).
    jobs.run_once(scan_job, when=0, name="profiles:checks:start")
    jobs.run_repeating(scan_job, interval=SCAN_SECONDS, first=SCAN_SECONDS, name="profiles:checks")
