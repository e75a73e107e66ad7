"""/events: the care and training events to come and the latest past ones, with their
registrations and attendance. For admins in a private chat and for staff in the staff group's
General topic (the reports' readers, `handlers.admin.reports.reader_words`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler
from telegram.ext import filters as tg_filters

from bot.context import KefuContext
from bot.i18n import Translator
from domain.care.event_messages import localized
from handlers.admin.reports import reader_words
from storage import care_events
from storage.care_events import Listed

PAST_SHOWN = 5
INDENT = "    "  # an event's figures under its line


def _lines(context: KefuContext, t: Translator, listed: Listed, *, past: bool) -> list[str]:
    event, kefu = listed.event, context.kefu
    lines = [
        t.t(
            "#{id} {title}, {time}, {place}",
            id=event.id,
            title=localized(event.title, t.language),
            time=t.format_time(event.starts_at, kefu.timezone),
            place=event.place,
        )
    ]
    if not past:
        lines.append(
            INDENT
            + t.t(
                "{registered} of {capacity} places taken",
                registered=listed.registered,
                capacity=event.capacity,
            )
        )
    elif listed.attended:
        lines.append(
            INDENT
            + t.t(
                "{registered} registered, {attended} attended",
                registered=listed.registered,
                attended=listed.attended,
            )
        )
    else:
        lines.append(
            INDENT
            + t.t(
                "{registered} registered; no attendance marked, so everyone registered counts",
                registered=listed.registered,
            )
        )
    if event.cancelled_at is not None:
        lines.append(INDENT + t.t("cancelled"))
    return lines


async def show_events(update: Update, context: KefuContext) -> None:
    t = await reader_words(update, context)
    if t is None or update.effective_message is None:
        return
    kefu, now = context.kefu, context.kefu.clock.now()
    async with kefu.db.read_only() as session:
        upcoming = await care_events.listing(session, now=now, upcoming=True)
        past = await care_events.listing(session, now=now, upcoming=False, limit=PAST_SHOWN)
    if not upcoming and not past:
        await update.effective_message.reply_text(
            t.t("No events yet. An admin announces one with /event.")
        )
        return
    lines = [t.t("Upcoming events:")]
    lines += [line for found in upcoming for line in _lines(context, t, found, past=False)]
    if not upcoming:
        lines.append(INDENT + t.t("none"))
    lines += ["", t.t("Past events:")]
    lines += [line for found in past for line in _lines(context, t, found, past=True)]
    if not past:
        lines.append(INDENT + t.t("none"))
    lines += ["", t.t("Staff mark who came with /attended <event number>.")]
    await update.effective_message.reply_text("\n".join(lines))


def build_handlers() -> list[BaseHandler]:
    return [CommandHandler("events", show_events, filters=~tg_filters.UpdateType.EDITED)]
