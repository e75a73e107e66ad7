"""The admin's status message of a campaign, kept up to date by editing it in place.

The message is re-rendered on every tick and edited only when its text or buttons changed;
Telegram answers 400 "message is not modified" to an identical edit, which is harmless.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.i18n import Translator
from bot.services import Kefu
from domain.campaigns import runtime
from domain.campaigns.buttons import AdminAction, AdminButton
from domain.campaigns.sender import DEFAULT_RATE
from domain.surveys.wording import (
    audience_text,
    duration_text,
    kind_name,
    repeat_text,
    status_name,
)
from storage import campaigns
from storage.campaigns import Audience, Progress
from storage.survey_models import Campaign, CampaignRun, CampaignStatus, DeliveryStatus

logger = logging.getLogger("kefu.campaigns")

# What each status message last showed, so unchanged ones are not edited again.
_shown: dict[tuple[int, int], tuple[int, str]] = {}
MIN_SAMPLE = 20  # sends before the measured rate is trusted for the time estimate


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _eta(kefu: Kefu, run: CampaignRun, progress: Progress) -> float | None:
    if not progress.queued:
        return None
    sender = runtime.sender(kefu)
    rate = sender.rate if sender else DEFAULT_RATE
    elapsed = (kefu.clock.now() - run.started_at).total_seconds()
    if progress.done >= MIN_SAMPLE and elapsed > 0:
        rate = min(rate, progress.done / elapsed)
    return progress.queued / rate


def keyboard(t: Translator, campaign: Campaign) -> InlineKeyboardMarkup:
    def button(label: str, action: AdminAction) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=AdminButton(action, campaign.id).encode())

    controls = {
        CampaignStatus.SCHEDULED: [
            button(t.t("Start now"), AdminAction.START),
            button(t.t("Pause"), AdminAction.PAUSE),
        ],
        CampaignStatus.RUNNING: [button(t.t("Pause"), AdminAction.PAUSE)],
        CampaignStatus.PAUSED: [button(t.t("Resume"), AdminAction.RESUME)],
    }.get(campaign.status, [])
    if campaign.status in campaigns.ACTIVE:
        controls.append(button(t.t("Cancel campaign"), AdminAction.CANCEL))
    rows = [controls] if controls else []
    rows.append(
        [
            button(t.t("Preview"), AdminAction.PREVIEW),
            button(t.t("Results"), AdminAction.RESULTS),
        ]
    )
    return InlineKeyboardMarkup(rows)


async def render(kefu: Kefu, t: Translator, campaign_id: int) -> tuple[str, InlineKeyboardMarkup]:
    async with kefu.db.read_only() as session:
        campaign = await campaigns.get(session, campaign_id)
        assert campaign is not None
        run = await campaigns.latest_run(session, campaign_id)
        progress = await campaigns.progress(session, run.id) if run else Progress()
    counts = {
        "queued": progress.queued,
        "sent": progress[DeliveryStatus.SENT],
        "failed": progress[DeliveryStatus.FAILED],
        "blocked": progress[DeliveryStatus.BLOCKED],
        "answered": progress.answered,
    }
    eta = _eta(kefu, run, progress) if run and campaign.status == CampaignStatus.RUNNING else None
    text = t.render(
        "campaign_status.html.j2",
        campaign_id=campaign.id,
        kind=kind_name(t, campaign.kind),
        status=status_name(t, campaign.status),
        audience=audience_text(t, Audience.from_json(campaign.audience), kefu.config),
        schedule=repeat_text(t, campaign.repeat),
        next_run=campaign.next_run_at,
        tz=kefu.timezone,
        run=run,
        progress=counts,
        response_rate=percent(progress.answered, counts["sent"]),
        eta=duration_text(t, eta) if eta is not None else None,
    )
    return text, keyboard(t, campaign)


async def show(bot: Bot, kefu: Kefu, campaign_id: int, chat_id: int, t: Translator) -> Message:
    """Post the status message; from now on it is the one kept up to date."""
    text, markup = await render(kefu, t, campaign_id)
    message = await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
    async with kefu.db.unit_of_work() as session:
        campaign = await campaigns.get(session, campaign_id, for_update=True)
        assert campaign is not None
        await campaigns.set_status_message(
            session,
            campaign,
            chat_id=chat_id,
            message_id=message.message_id,
            language=t.language,
        )
    _shown[(id(kefu), campaign_id)] = (message.message_id, text + repr(markup.to_dict()))
    return message


async def refresh_all(bot: Bot, kefu: Kefu) -> None:
    """Edit every status message whose campaign changed since it was last shown."""
    async with kefu.db.read_only() as session:
        watched = await campaigns.watched(session, since=kefu.clock.now() - timedelta(minutes=2))
    for campaign in watched:
        await refresh(bot, kefu, campaign)


async def refresh(bot: Bot, kefu: Kefu, campaign: Campaign) -> None:
    if campaign.status_chat_id is None or campaign.status_message_id is None:
        return
    t = kefu.catalogs.for_language(campaign.status_language)
    text, markup = await render(kefu, t, campaign.id)
    key, shown = (
        (id(kefu), campaign.id),
        (campaign.status_message_id, text + repr(markup.to_dict())),
    )
    if _shown.get(key) == shown:
        return
    try:
        await bot.edit_message_text(
            text,
            chat_id=campaign.status_chat_id,
            message_id=campaign.status_message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    except BadRequest as error:
        # Telegram refuses an edit that changes nothing: what we wanted is already shown.
        if "not modified" not in error.message.lower():
            logger.warning("campaign %s: status message not updated: %s", campaign.id, error)
            return
    except TelegramError:
        logger.warning("campaign %s: status message not updated", campaign.id, exc_info=True)
        return
    _shown[key] = shown
