"""/report, /compliance and /export: a period's figures, its contract compliance, its tickets.

`/report [week|month|quarter|YYYY-MM-DD..YYYY-MM-DD]` (the last full week by default) is for
admins in a private chat and for staff in the staff group's General topic (never in a ticket's
topic, which the customer's words fill). Admins read it in their own language, the staff
group in the desk's. `/export` is for admins, in a private chat: it sends documents.
"""

from __future__ import annotations

import io
import logging

from telegram import InputFile, InputMediaPhoto, Message, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import ApplicationHandlerStop, BaseHandler, CommandHandler
from telegram.ext import filters as tg_filters

from bot.context import KefuContext
from bot.i18n import Translator
from domain.reports import delivery
from domain.reports.periods import Period, PeriodError, parse_period
from handlers.staff.gate import staff_words

logger = logging.getLogger("kefu.reports")
NEW = ~tg_filters.UpdateType.EDITED


async def reader_words(update: Update, context: KefuContext) -> Translator | None:
    """The reader's language if they may read reports here; None after saying who may."""
    kefu = context.kefu
    user, chat, message = update.effective_user, update.effective_chat, update.effective_message
    if user is None or chat is None or message is None:
        return None
    if chat.type == ChatType.PRIVATE and kefu.is_admin(user.id):
        return context.t
    staff_chat = kefu.settings.staff_chat_id
    in_general = chat.id == staff_chat and not _in_ticket_topic(message)
    if in_general and (
        kefu.is_admin(user.id) or await kefu.staff.is_member(context.bot, staff_chat, user.id)
    ):
        return staff_words(context)
    await message.reply_text(
        context.t.t(
            "Reports are for admins, in a private chat with me, and for staff, in the staff "
            "group's General topic."
        )
    )
    return None


def _in_ticket_topic(message: Message) -> bool:
    return bool(message.is_topic_message and message.message_thread_id)


def period_refusal(t: Translator, error: PeriodError) -> str:
    accepted = t.t(
        "Please give week, month, quarter, or a range of dates like 2026-11-01..2026-11-30."
    )
    reason = {
        "reversed": t.t("That range ends before it starts."),
        "too_long": t.t("A report covers at most two years."),
    }.get(error.reason, t.t("I do not know that period."))
    # One message of two sentences; Chinese puts no space between sentences.
    return t.t("{reason} {accepted}", reason=reason, accepted=accepted)


async def _period(update: Update, context: KefuContext, t: Translator) -> Period | None:
    message = update.effective_message
    assert message is not None
    kefu = context.kefu
    today = kefu.clock.now().astimezone(kefu.timezone).date()
    try:
        return parse_period(" ".join(context.args or []), today=today, zone=kefu.timezone)
    except PeriodError as error:
        await message.reply_text(period_refusal(t, error))
        return None


async def _asked(update: Update, context: KefuContext) -> tuple[Translator, Period, Message]:
    """Who reads, which period, and the message to answer; or the update ends here, after
    saying why."""
    t = await reader_words(update, context)
    period = await _period(update, context, t) if t is not None else None
    message = update.effective_message
    if t is None or period is None or message is None:
        raise ApplicationHandlerStop
    return t, period, message


async def show_report(update: Update, context: KefuContext) -> None:
    t, period, message = await _asked(update, context)
    prepared = await delivery.prepare(context.kefu, t, period)
    for part in prepared.texts:
        await message.reply_text(part, parse_mode=ParseMode.HTML)
    await send_charts(message, prepared.charts)
    raise ApplicationHandlerStop


async def send_charts(message: Message, charts: list[tuple[str, bytes]]) -> None:
    if len(charts) == 1:
        name, png = charts[0]
        await message.reply_photo(InputFile(png, filename=name))
    elif charts:
        await message.reply_media_group(
            [InputMediaPhoto(InputFile(png, filename=name, attach=True)) for name, png in charts]
        )


async def show_compliance(update: Update, context: KefuContext) -> None:
    t, period, message = await _asked(update, context)
    text = await delivery.compliance_text(context.kefu, t, period)
    for part in delivery.split_for_telegram(text):
        await message.reply_text(part, parse_mode=ParseMode.HTML)
    raise ApplicationHandlerStop


async def send_export(update: Update, context: KefuContext) -> None:
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None
    kefu = context.kefu
    if user is None or chat is None or not kefu.is_admin(user.id):
        await message.reply_text(context.t.t("Sorry, only Kefu's administrators can export."))
        raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE:
        await message.reply_text(context.t.t("Please ask for exports in a private chat with me."))
        raise ApplicationHandlerStop
    period = await _period(update, context, context.t)
    if period is None:
        raise ApplicationHandlerStop
    files = await delivery.export_files(kefu, period)
    for name, data in files:
        await message.reply_document(InputFile(io.BytesIO(data), filename=name))
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    return [
        CommandHandler("report", show_report, filters=NEW),
        CommandHandler("compliance", show_compliance, filters=NEW),
        CommandHandler("export", send_export, filters=NEW),
    ]
