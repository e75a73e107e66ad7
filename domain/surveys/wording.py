"""Names of campaign kinds, states, audiences and schedules, in the reader's language."""

from __future__ import annotations

from bot.config import BusinessConfig
from bot.i18n import Translator
from storage.campaigns import Audience
from storage.survey_models import AudienceKind, CampaignKind, CampaignStatus, Repeat

# Each language by its own name, as language pickers show them.
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文", "zh_Hant": "繁體中文"}


def kind_name(t: Translator, kind: CampaignKind) -> str:
    return {
        CampaignKind.CSAT: t.t("Satisfaction (1–5 stars)"),
        CampaignKind.NPS: t.t("Net Promoter Score (0–10)"),
        CampaignKind.CHOICE: t.t("Multiple choice"),
        # Kefu's own (standing campaigns): named where their rows are shown, as in /mydata.
        CampaignKind.FOLLOWUP: t.t("Follow-up visit"),
        CampaignKind.REMINDER: t.t("Reminder"),
        CampaignKind.EVENT: t.t("Event"),
    }[kind]


def status_name(t: Translator, status: CampaignStatus) -> str:
    return {
        CampaignStatus.SCHEDULED: t.t("scheduled"),
        CampaignStatus.RUNNING: t.t("sending"),
        CampaignStatus.PAUSED: t.t("paused"),
        CampaignStatus.CANCELLED: t.t("cancelled"),
        CampaignStatus.FINISHED: t.t("finished"),
    }[status]


def audience_text(t: Translator, audience: Audience, config: BusinessConfig) -> str:
    if audience.kind == AudienceKind.RECENT_TICKET:
        return t.tn(
            "customers with a ticket resolved in the last {n} day",
            "customers with a ticket resolved in the last {n} days",
            audience.days or 0,
        )
    if audience.kind == AudienceKind.PRODUCT:
        product = config.product(audience.product or "")
        name = product.name(t.language) if product else audience.product
        return t.t("customers with a ticket about {product}", product=name)
    if audience.kind == AudienceKind.LANGUAGE:
        language = LANGUAGE_NAMES.get(str(audience.language), str(audience.language))
        return t.t("customers who speak {language}", language=language)
    return t.t("all customers who accepted the privacy notice")


def repeat_text(t: Translator, repeat: Repeat) -> str:
    return t.t("every three months") if repeat == Repeat.QUARTERLY else t.t("once")


def duration_text(t: Translator, seconds: float) -> str:
    if seconds < 90:
        return t.tn("about {n} second", "about {n} seconds", max(round(seconds), 1))
    if seconds < 90 * 60:
        return t.tn("about {n} minute", "about {n} minutes", round(seconds / 60))
    return t.tn("about {n} hour", "about {n} hours", round(seconds / 3600))
