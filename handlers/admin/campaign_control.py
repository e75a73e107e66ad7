"""/campaigns: an admin's list of campaigns, their controls and results.

Per campaign: a status message kept up to date in place (queued, sent, failed, blocked,
answered, response rate, time left) with Start now / Pause / Resume / Cancel, a preview in
every language, results with a chart (PNG) and a CSV export. The results of the surveys sent
after resolved tickets are here too, for the last 7, 30, 90 or 365 days.

Registered in the surveys' handler group (before the main group), so the buttons work even
while the admin is in the middle of a guided flow. Only admins may use any of it.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, CommandHandler
from telegram.ext import filters as tg_filters

from bot.context import KefuContext
from domain.campaigns import runtime, schedule, status
from domain.campaigns.buttons import ADMIN_PATTERN, AdminAction, AdminButton
from domain.surveys import reports
from domain.surveys.questions import campaign_keyboard, campaign_text
from domain.surveys.wording import LANGUAGE_NAMES, kind_name, status_name
from handlers.common.answers import answer
from storage import campaigns

PERIODS = (7, 30, 90, 365)
RECENT = 10
CONTROLS = {
    AdminAction.START: campaigns.start_now,
    AdminAction.PAUSE: campaigns.pause,
    AdminAction.RESUME: campaigns.resume,
    AdminAction.CANCEL: campaigns.cancel,
}


async def list_campaigns(update: Update, context: KefuContext) -> None:
    message, t = update.effective_message, context.t
    assert message is not None
    async with context.kefu.db.read_only() as session:
        recent = await campaigns.recent(session, limit=RECENT)
    rows = [
        [
            InlineKeyboardButton(
                f"#{c.id} · {kind_name(t, c.kind)} · {status_name(t, c.status)}",
                callback_data=AdminButton(AdminAction.SHOW, c.id).encode(),
            )
        ]
        for c in recent
    ]
    rows.append(
        [
            InlineKeyboardButton(
                t.t("Satisfaction after resolved tickets"),
                callback_data=AdminButton(AdminAction.TICKETS, days=30).encode(),
            )
        ]
    )
    text = (
        t.t("Survey campaigns, newest first. Send /campaign to create one.")
        if recent
        else t.t("No campaigns yet. Send /campaign to create one.")
    )
    await message.reply_text(text, reply_markup=InlineKeyboardMarkup(rows))
    raise ApplicationHandlerStop


async def _control(update: Update, context: KefuContext, button: AdminButton) -> None:
    query, kefu = update.callback_query, context.kefu
    assert query is not None and query.message is not None
    async with kefu.db.unit_of_work() as session:
        campaign = await campaigns.get(session, button.campaign_id, for_update=True)
        changed = campaign is not None and await CONTROLS[button.action](
            session, campaign, now=kefu.clock.now()
        )
        if campaign is not None:
            # The message pressed on becomes the one kept up to date.
            await campaigns.set_status_message(
                session,
                campaign,
                chat_id=query.message.chat.id,
                message_id=query.message.message_id,
                language=context.t.language,
            )
    if button.action in (AdminAction.PAUSE, AdminAction.CANCEL):
        runtime.halt(kefu, button.campaign_id)
    elif button.action == AdminAction.RESUME:
        runtime.allow(kefu, button.campaign_id)
    elif button.action == AdminAction.START and await schedule.start_due_runs(kefu):
        runtime.wake(kefu)
    await answer(
        update, context, context.t.t("Done.") if changed else context.t.t("Nothing to change.")
    )
    async with kefu.db.read_only() as session:
        campaign = await campaigns.get(session, button.campaign_id)
    if campaign is not None:
        await status.refresh(context.bot, kefu, campaign)


async def _preview(update: Update, context: KefuContext, campaign_id: int) -> None:
    chat = update.effective_chat
    assert chat is not None
    async with context.kefu.db.read_only() as session:
        campaign = await campaigns.get(session, campaign_id)
    if campaign is None:
        return
    for language, name in LANGUAGE_NAMES.items():
        reader = context.kefu.catalogs.for_language(language)
        await chat.send_message(context.t.t("Preview ({language}):", language=name))
        await chat.send_message(
            campaign_text(reader, campaign.kind, campaign.texts),
            reply_markup=campaign_keyboard(reader, campaign.kind, campaign.texts, None),
        )


def _export_buttons(context: KefuContext, chart: AdminButton, csv: AdminButton) -> list:
    return [
        InlineKeyboardButton(context.t.t("Chart"), callback_data=chart.encode()),
        InlineKeyboardButton(context.t.t("CSV file"), callback_data=csv.encode()),
    ]


async def _results(update: Update, context: KefuContext, campaign_id: int) -> None:
    chat = update.effective_chat
    assert chat is not None
    report = await reports.campaign_report(context.kefu, context.t, campaign_id)
    buttons = _export_buttons(
        context,
        AdminButton(AdminAction.CHART, campaign_id),
        AdminButton(AdminAction.CSV, campaign_id),
    )
    await chat.send_message(
        reports.render_text(context.t, report),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([buttons]),
    )


async def _ticket_results(update: Update, context: KefuContext, days: int) -> None:
    chat = update.effective_chat
    assert chat is not None
    days = days if days in PERIODS else 30
    report = await reports.ticket_report(context.kefu, context.t, days)
    periods = [
        InlineKeyboardButton(
            context.t.tn("{n} day", "{n} days", n),
            callback_data=AdminButton(AdminAction.TICKETS, days=n).encode(),
        )
        for n in PERIODS
    ]
    buttons = _export_buttons(
        context,
        AdminButton(AdminAction.TICKETS_CHART, days=days),
        AdminButton(AdminAction.TICKETS_CSV, days=days),
    )
    await chat.send_message(
        reports.render_text(context.t, report),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([periods, buttons]),
    )


async def _send_file(update: Update, context: KefuContext, button: AdminButton) -> None:
    chat, kefu, language = update.effective_chat, context.kefu, context.t.language
    assert chat is not None
    if button.action == AdminAction.CHART:
        png = await reports.render_chart(
            kefu, language, reports.campaign_report, button.campaign_id
        )
        await chat.send_photo(png)
    elif button.action == AdminAction.TICKETS_CHART:
        png = await reports.render_chart(kefu, language, reports.ticket_report, button.days)
        await chat.send_photo(png)
    elif button.action == AdminAction.CSV:
        data = await reports.campaign_csv(kefu, button.campaign_id, language)
        name = f"campaign-{button.campaign_id}.csv"
        await chat.send_document(InputFile(data, filename=name))
    else:
        data = await reports.ticket_csv(kefu, button.days)
        await chat.send_document(InputFile(data, filename=f"ticket-surveys-{button.days}d.csv"))


async def on_button(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    button = AdminButton.parse(query.data)
    if button is None:
        await answer(update, context, context.t.t("This button is no longer valid."))
    elif button.action in CONTROLS:
        await _control(update, context, button)
    else:
        await answer(update, context)
        chat = update.effective_chat
        assert chat is not None
        if button.action == AdminAction.SHOW:
            await status.show(context.bot, context.kefu, button.campaign_id, chat.id, context.t)
        elif button.action == AdminAction.PREVIEW:
            await _preview(update, context, button.campaign_id)
        elif button.action == AdminAction.RESULTS:
            await _results(update, context, button.campaign_id)
        elif button.action == AdminAction.TICKETS:
            await _ticket_results(update, context, button.days)
        else:
            await _send_file(update, context, button)
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    """For the answers' handler group, ahead of every flow."""
    return [
        CommandHandler("campaigns", list_campaigns, filters=tg_filters.ChatType.PRIVATE),
        CallbackQueryHandler(on_button, pattern=ADMIN_PATTERN),
    ]
