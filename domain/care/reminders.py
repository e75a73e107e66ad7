"""Warranty and maintenance reminders: when each is due, and what it says.

- **Warranty:** `[care] warranty_reminder_days` before a purchase's warranty ends (its product's
  `warranty_months` from the purchase date the customer gave in a request), up to the last day
  it covers.
- **Maintenance:** a product with `maintenance_months` is due that long after the purchase or
  its last maintenance service (a resolved maintenance ticket of it), and every interval after;
  the reminder goes `[care] maintenance_reminder_days` before each due date.

`care:reminders` runs at start-up and every `SCAN_SECONDS`, from `[care] reminder_hour` of the
business day on: it queues what came due in the campaign outbox (`storage.reminders`, each
reminder once by its unique key) and wakes the campaign sender, which sends them within
Telegram's limits and resumes after a crash. The sender words each one here when it sends it
(`reminder_message`), and skips it if it is no longer due: the reminders stopped, consent
withdrawn, the ticket erased, the warranty over.

A request without a purchase date gets no reminder: nothing says when the warranty ends. The
service record tells the customer so (`missing_purchase_date`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, timedelta, tzinfo
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import CallbackContext, JobQueue

from bot.business_config import Product
from bot.i18n import Translator
from bot.instance import exclusive_job
from bot.services import Kefu
from domain.campaigns import runtime
from domain.care.reminder_buttons import ReminderButton
from domain.rules.warranty import add_months, warranty_ends_on
from storage import reminders
from storage.enums import TicketType
from storage.models import Ticket
from storage.outbox import Delivery
from storage.reminders import Due, Purchase, ReminderKind

logger = logging.getLogger("kefu.care")

SCAN_SECONDS = 900  # a reminder is about a day, not a minute
# A maintenance due date missed by more than this (Kefu was down) is skipped for the next one.
MAINTENANCE_GRACE = timedelta(days=14)


# --- when -----------------------------------------------------------------------------------


def warranty_reminder_due(purchased_on: date, months: int, today: date, days_before: int) -> bool:
    """Whether a warranty's end is close enough to remind of: within `days_before` of its last
    covered day, and not past it."""
    ends = warranty_ends_on(purchased_on, months)
    return ends - timedelta(days=days_before) <= today <= ends


def next_maintenance(base: date, months: int, today: date) -> date:
    """The next maintenance due date, every `months` from `base` (the purchase or the last
    service): the first that is not more than MAINTENANCE_GRACE past."""
    count = 1
    due = add_months(base, months)
    while due < today - MAINTENANCE_GRACE:
        count += 1
        due = add_months(base, count * months)
    return due


def maintenance_base(purchase: Purchase, zone: tzinfo) -> date:
    """What the interval counts from: the last maintenance service, or else the purchase."""
    if purchase.last_serviced is None:
        return purchase.purchased_on
    return max(purchase.purchased_on, purchase.last_serviced.astimezone(zone).date())


# --- queueing -------------------------------------------------------------------------------


async def queue_due_reminders(kefu: Kefu) -> int:
    """Queue the reminders that came due today (business time) and wake the sender; how many
    rows were new."""
    now = kefu.clock.now()
    local = now.astimezone(kefu.timezone)
    if local.hour < kefu.config.care.reminder_hour:
        return 0
    today = local.date()
    async with kefu.db.unit_of_work() as session:
        warranty = await _warranty_due(session, kefu, today)
        queued = await reminders.queue(session, ReminderKind.WARRANTY, warranty, now=now)
        maintenance = await _maintenance_due(session, kefu, today)
        queued += await reminders.queue(session, ReminderKind.MAINTENANCE, maintenance, now=now)
    if queued:
        logger.info("queued %d reminders", queued)
        runtime.wake(kefu)
    return queued


async def _warranty_due(session: AsyncSession, kefu: Kefu, today: date) -> list[Due]:
    days_before = kefu.config.care.warranty_reminder_days
    if not days_before:
        return []
    due: list[Due] = []
    for product in kefu.config.products:
        if not product.warranty_months:
            continue
        found = await reminders.purchases(
            session,
            ReminderKind.WARRANTY,
            [product.id],
            bought_between=_bought_for_warranty(product, today, days_before),
        )
        due += [
            Due(p.ticket_id, p.customer_id)
            for p in found
            if warranty_reminder_due(p.purchased_on, product.warranty_months, today, days_before)
        ]
    return due


def _bought_for_warranty(product: Product, today: date, days_before: int) -> tuple[date, date]:
    """The purchase dates whose warranty may end within `days_before` of today (a few days
    wider than exact, since months differ in length; `warranty_reminder_due` is exact)."""
    months = product.warranty_months
    return (
        add_months(today, -months) - timedelta(days=3),
        add_months(today + timedelta(days=days_before), -months) + timedelta(days=3),
    )


async def _maintenance_due(session: AsyncSession, kefu: Kefu, today: date) -> list[Due]:
    # Every purchase of a maintained product is looked at: its due dates recur, so no range of
    # purchase dates narrows them down. One indexed query a scan, every SCAN_SECONDS.
    maintained = {p.id: p for p in kefu.config.products if p.maintenance_months}
    found = await reminders.purchases(session, ReminderKind.MAINTENANCE, list(maintained))
    lead = timedelta(days=kefu.config.care.maintenance_reminder_days)
    due: list[Due] = []
    for purchase in found:
        months = maintained[purchase.product_id].maintenance_months
        assert months is not None
        on = next_maintenance(maintenance_base(purchase, kefu.timezone), months, today)
        if today >= on - lead:
            due.append(Due(purchase.ticket_id, purchase.customer_id, on.isoformat()))
    return due


@exclusive_job("care:reminders")
async def scan_job(context: CallbackContext) -> None:
    """Job: queue the reminders that came due."""
    kefu: Kefu = context.bot_data.kefu
    try:
        await queue_due_reminders(kefu)
    except Exception:
        logger.exception("queueing reminders failed; will retry")


def schedule_jobs(jobs: JobQueue) -> None:
    # At start-up too: a repeating job's first run would wait a whole interval (RELIABILITY.md).
    jobs.run_once(scan_job, when=0, name="care:reminders:start")
    jobs.run_repeating(scan_job, interval=SCAN_SECONDS, first=SCAN_SECONDS, name="care:reminders")


# --- what it says ---------------------------------------------------------------------------


async def reminder_message(
    kefu: Kefu, t: Translator, delivery: Delivery, texts: Mapping[str, Any]
) -> tuple[str, InlineKeyboardMarkup] | None:
    """The reminder in `t`'s language with its two buttons; None if it is no longer due."""
    async with kefu.db.read_only() as session:
        found = await reminders.reminder(session, delivery.recipient_id)
    if found is None:
        return None
    ticket, kind = found.ticket, found.kind
    product = kefu.config.product(ticket.product_id or "")
    if (
        product is None
        or ticket.purchase_date is None
        or ticket.personal_data_erased_at is not None
        or reminders.stopped(ticket.customer, kind)
    ):
        return None
    if kind == ReminderKind.WARRANTY:
        today = kefu.clock.now().astimezone(kefu.timezone).date()
        ends = warranty_ends_on(ticket.purchase_date, product.warranty_months)
        if today > ends:  # queued in time, sent too late (Kefu was down)
            return None
        text = t.t(
            "The warranty of your {product} (number {serial}) ends on {date}. If anything is "
            "not working as it should, ask for a repair before then: under the warranty it is "
            "free.",
            product=product.name(t.language),
            serial=ticket.serial_number or "-",
            date=ends.isoformat(),
        )
        start = t.t("Request a repair")
    else:
        assert product.maintenance_task is not None
        text = t.t(
            "It is time to {task} on your {product} (number {serial}): it is due on {date}. "
            "Book the maintenance here, and we will arrange it with you.",
            task=product.maintenance_task(t.language),
            product=product.name(t.language),
            serial=ticket.serial_number or "-",
            date=found.row.occasion,
        )
        start = t.t("Book maintenance")
    rid = delivery.recipient_id
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(start, callback_data=ReminderButton("flow", rid).encode())],
            [
                InlineKeyboardButton(
                    t.t("Stop these reminders"),
                    callback_data=ReminderButton("stop", rid).encode(),
                )
            ],
        ]
    )
    return text, markup


def stopped_text(t: Translator, kind: ReminderKind) -> str:
    if kind == ReminderKind.WARRANTY:
        return t.t("Done: you will get no more warranty reminders.")
    return t.t("Done: you will get no more maintenance reminders.")


def missing_purchase_date(kefu: Kefu, t: Translator, ticket: Ticket) -> str | None:
    """For the service record: why no reminder will come for this ticket's product, when it is
    for want of a purchase date; None otherwise."""
    product = kefu.config.product(ticket.product_id or "")
    if ticket.purchase_date is not None or product is None:
        return None
    if not (product.warranty_months or product.maintenance_months):
        return None
    return t.t(
        "We have no purchase date for this product, so we cannot remind you before its warranty "
        "ends or its maintenance is due. Give the date in your next request and we will."
    )


def prefilled_request(ticket: Ticket, kind: ReminderKind) -> dict[str, Any]:
    """The repair flow's answers a reminder's button fills in: the service, product, number
    and purchase date (the customer describes the problem and goes on from there)."""
    return {
        "kind": (
            TicketType.REPAIR if kind == ReminderKind.WARRANTY else TicketType.MAINTENANCE
        ).value,
        "product": ticket.product_id,
        "serial": ticket.serial_number,
        "purchase_date": ticket.purchase_date,
    }
