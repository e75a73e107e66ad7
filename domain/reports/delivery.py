"""Reports made ready for Telegram, and the scheduled ones sent to every admin once per period.

Scheduled reports (`[reports]` in the business TOML): every `SCAN_SECONDS`, and at start-up,
`send_due` looks for the periods whose report is due (the weekly one from `weekly_on` at `hour`,
the monthly one from `monthly_on_day` at `hour`, business time) and claims each admin's
delivery under a unique key (`storage.report_deliveries`) before sending. A restart or a second
instance finds the claim and sends nothing again; a send cut short by a crash is taken up when
its lease runs out, after the messages it had already sent. As with SLA alerts, the one message
whose send was under way when the process died may arrive twice: for a report that proves a
contract, a repeat is better than a miss (RELIABILITY.md asks each case to choose).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from telegram import Bot, InputFile, InputMediaPhoto
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import CallbackContext, JobQueue

from bot.business_config import WEEKDAYS_IN_FULL
from bot.i18n import Translator
from bot.instance import exclusive_job
from bot.services import Kefu
from domain.reports import charts
from domain.reports.export import days_in_utc, export_period
from domain.reports.figures import chart_series, report
from domain.reports.periods import Period, periods_ending
from domain.reports.render import render_compliance, render_text, split_for_telegram, type_labels
from storage import customers, report_deliveries

__all__ = ["Prepared", "compliance_text", "export_files", "prepare", "split_for_telegram"]

logger = logging.getLogger("kefu.reports")
SCAN_SECONDS = 300
LEASE = timedelta(minutes=10)  # a send cut short is taken up again after this


@dataclass(frozen=True)
class Prepared:
    texts: list[str]  # Telegram messages, HTML
    charts: list[tuple[str, bytes]]  # (file name, PNG); none for an empty period


async def prepare(kefu: Kefu, t: Translator, period: Period) -> Prepared:
    as_of = kefu.clock.now()
    made = await report(kefu, period, as_of=as_of)
    texts = split_for_telegram(render_text(kefu, t, made))
    if made.current.is_empty:
        return Prepared(texts, [])
    values = await chart_series(kefu, period, type_labels(t), as_of=as_of)
    # Drawing takes a few hundred milliseconds: a worker thread, while the bot answers others.
    drawn = await asyncio.to_thread(
        charts.report_charts,
        kefu.catalogs,
        t.language,
        values.volume,
        values.response,
        values.compliance,
        values.satisfaction,
    )
    return Prepared(texts, drawn)


async def compliance_text(kefu: Kefu, t: Translator, period: Period) -> str:
    return render_compliance(t, t.language, await report(kefu, period))


async def export_files(kefu: Kefu, period: Period) -> list[tuple[str, bytes]]:
    """The period's tickets as CSV and JSON, without personal data."""
    since, until = days_in_utc(period.first_day, period.last_day, kefu.timezone)
    documents = await export_period(kefu.db, since, until)
    stem = f"kefu-tickets-{period.first_day.isoformat()}-{period.last_day.isoformat()}"
    return [(f"{stem}.csv", documents.csv), (f"{stem}.json", documents.json)]


# --- scheduled reports --------------------------------------------------------------------------


def due_periods(kefu: Kefu, now: datetime) -> list[Period]:
    """The period of each scheduled report's latest moment at or before `now`: due from that
    moment until the next one, so a report whose moment passed while Kefu was down still goes
    out when it starts (once: the claim remembers)."""
    settings = kefu.config.reports
    local = now.astimezone(kefu.timezone)
    today = local.date()
    due = []
    for kind in settings.scheduled:
        if kind == "week":
            monday = today - timedelta(days=today.weekday())
            moment = monday + timedelta(days=WEEKDAYS_IN_FULL.index(settings.weekly_on))
            if local < _at(moment, settings.hour, kefu):
                moment -= timedelta(days=7)
        else:
            moment = today.replace(day=settings.monthly_on_day)
            if local < _at(moment, settings.hour, kefu):
                moment = (moment.replace(day=1) - timedelta(days=1)).replace(
                    day=settings.monthly_on_day
                )
        due.append(periods_ending(kind, moment, kefu.timezone))
    return due


def _at(day: date, hour: int, kefu: Kefu) -> datetime:
    return datetime.combine(day, time(hour), kefu.timezone)


async def send_due(bot: Bot, kefu: Kefu) -> None:
    for period in due_periods(kefu, kefu.clock.now()):
        for admin_id in kefu.settings.admin_ids:
            try:
                await _deliver(bot, kefu, period, admin_id)
            except TelegramError:
                logger.warning(
                    "the %s report for admin %s failed; it is retried",
                    period.kind,
                    admin_id,
                    exc_info=True,
                )


async def _deliver(bot: Bot, kefu: Kefu, period: Period, admin_id: int) -> None:
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        claimed = await report_deliveries.claim(
            session, period.kind, period.first_day, admin_id, now=now, lease=LEASE
        )
        if claimed is None:
            return
        admin = await customers.get_by_telegram(session, admin_id)
        delivery_id, done = claimed.id, claimed.delivered
    language = admin.language if admin is not None else kefu.config.support.language_default
    t = kefu.catalogs.for_language(language)
    prepared = await prepare(kefu, t, period)
    steps = [*prepared.texts, *([prepared.charts] if prepared.charts else [])]
    for index, step in enumerate(steps):
        if index < done:
            continue  # sent before a crash
        try:
            await _send(bot, admin_id, step)
        except Forbidden:
            logger.warning("admin %s has not started a chat with the bot: no report", admin_id)
            break
        async with kefu.db.unit_of_work() as session:
            await report_deliveries.progress(session, delivery_id, index + 1)
    async with kefu.db.unit_of_work() as session:
        await report_deliveries.finish(session, delivery_id, now=kefu.clock.now())


async def _send(bot: Bot, chat_id: int, step: str | list[tuple[str, bytes]]) -> None:
    if isinstance(step, str):
        await bot.send_message(chat_id, step, parse_mode=ParseMode.HTML)
    elif len(step) == 1:
        await bot.send_photo(chat_id, InputFile(step[0][1], filename=step[0][0]))
    else:
        await bot.send_media_group(
            chat_id,
            [InputMediaPhoto(InputFile(png, filename=name, attach=True)) for name, png in step],
        )


@exclusive_job("reports:scheduled")
async def scheduled_job(context: CallbackContext) -> None:
    await send_due(context.bot, context.bot_data.kefu)


def schedule_jobs(jobs: JobQueue) -> None:
    # The first tick comes after one interval; start-up calls `send_due` itself.
    jobs.run_repeating(scheduled_job, interval=SCAN_SECONDS, name="reports:scheduled")
