"""Results for admins: per campaign (and per run, each run being one period) and for the
after-ticket surveys over a chosen number of days (split into days, weeks or months)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.i18n import Translator
from bot.services import Kefu
from domain.campaigns.status import percent
from domain.surveys import chart, export
from domain.surveys.chart import Period
from domain.surveys.questions import options, star_label
from domain.surveys.results import Response, Summary, scale, summarize
from domain.surveys.wording import kind_name
from storage import campaigns, surveys
from storage.campaigns import AnswerRow
from storage.survey_models import Campaign, CampaignKind, DeliveryStatus
from storage.surveys import SurveyRow

LATEST_COMMENTS = 10
COMMENT_PREVIEW = 200


@dataclass(frozen=True)
class Report:
    title: str
    period: str
    summary: Summary
    labels: list[str]
    periods: list[Period]


# --- words --------------------------------------------------------------------------------------


def value_labels(kind: CampaignKind, texts: dict[str, Any] | None, language: str) -> list[str]:
    if kind == CampaignKind.CSAT:
        return [star_label(score) for score in scale(kind)]
    if kind == CampaignKind.NPS:
        return [str(score) for score in scale(kind)]
    return options(texts or {}, language)


def _headline(t: Translator, summary: Summary) -> str | None:
    if summary.nps is not None:
        return t.t("NPS {value}", value=f"{summary.nps:+.0f}")
    if summary.average is not None:
        return t.t("average {value}", value=f"{summary.average:.2f}")
    return None


def render_text(t: Translator, report: Report) -> str:
    summary = report.summary
    distribution = [
        (label, count, percent(count, summary.answered))
        for label, count in zip(report.labels, summary.distribution.values(), strict=False)
    ]
    periods = []
    for period in report.periods:
        line = t.t(
            "{period}: {answered} of {delivered} answered",
            period=period.label,
            answered=period.summary.answered,
            delivered=period.summary.delivered,
        )
        headline = _headline(t, period.summary)
        periods.append(f"{line} · {headline}" if headline else line)
    comments = [c[:COMMENT_PREVIEW] for c in summary.comments[-LATEST_COMMENTS:]]
    return t.render(
        "survey_results.html.j2",
        title=report.title,
        period=report.period,
        summary=summary,
        rate=percent(summary.answered, summary.delivered),
        average=f"{summary.average:.2f}" if summary.average is not None else None,
        nps=f"{summary.nps:+.0f}" if summary.nps is not None else None,
        distribution=distribution,
        periods=periods,
        comments=comments,
    )


async def render_chart(kefu: Kefu, language: str, report_of: Any, *args: Any) -> bytes:
    """The chart of a report built by `report_of(kefu, t, *args)`, drawn in a worker thread."""
    t, families = chart.chart_words(kefu.catalogs, language)
    report: Report = await report_of(kefu, t, *args)
    return await asyncio.to_thread(
        chart.render_png,
        t,
        report.title,
        report.summary,
        report.labels,
        report.periods,
        families=families,
    )


# --- campaigns ----------------------------------------------------------------------------------


def _responses(rows: Sequence[AnswerRow]) -> list[Response]:
    return [Response(row.status == DeliveryStatus.SENT, row.answer, row.comment) for row in rows]


async def _campaign_data(kefu: Kefu, campaign_id: int) -> tuple[Campaign, list, list[AnswerRow]]:
    async with kefu.db.read_only() as session:
        campaign = await campaigns.get(session, campaign_id)
        assert campaign is not None
        return (
            campaign,
            await campaigns.runs(session, campaign_id),
            await campaigns.answers(session, campaign_id),
        )


async def campaign_report(kefu: Kefu, t: Translator, campaign_id: int) -> Report:
    campaign, runs, rows = await _campaign_data(kefu, campaign_id)
    values = scale(campaign.kind, len(options(campaign.texts, "en")))
    periods = [
        Period(
            t.format_time(run.started_at, kefu.timezone)[:10],
            summarize(campaign.kind, values, _responses([r for r in rows if r.run == run.number])),
        )
        for run in runs
    ]
    first = runs[0].started_at if runs else None
    return Report(
        title=t.t("Campaign #{id}: {kind}", id=campaign.id, kind=kind_name(t, campaign.kind)),
        period=t.tn("{n} run", "{n} runs", len(runs))
        + (" · " + t.t("since {date}", date=t.format_time(first, kefu.timezone)) if first else ""),
        summary=summarize(campaign.kind, values, _responses(rows)),
        labels=value_labels(campaign.kind, campaign.texts, t.language),
        periods=periods,
    )


async def campaign_csv(kefu: Kefu, campaign_id: int, language: str) -> bytes:
    campaign, _runs, rows = await _campaign_data(kefu, campaign_id)
    labels = value_labels(campaign.kind, campaign.texts, language)
    values = scale(campaign.kind, len(labels))
    return export.campaign_csv(rows, dict(zip(values, labels, strict=False)))


# --- after-ticket surveys -----------------------------------------------------------------------


def _bucket(days: int) -> timedelta:
    if days <= 7:
        return timedelta(days=1)
    if days <= 31:
        return timedelta(days=7)
    return timedelta(days=30)


MAX_DAYS = 3660  # ten years: a period asked for beyond that (a forged button) is cut to it


async def _ticket_rows(kefu: Kefu, days: int) -> tuple[datetime, datetime, list[SurveyRow]]:
    until = kefu.clock.now()
    since = until - timedelta(days=min(days, MAX_DAYS))
    async with kefu.db.read_only() as session:
        return since, until, await surveys.sent_between(session, since, until)


def _ticket_responses(rows: Sequence[SurveyRow]) -> list[Response]:
    return [Response(True, row.score, row.comment) for row in rows]


async def ticket_report(kefu: Kefu, t: Translator, days: int) -> Report:
    since, until, rows = await _ticket_rows(kefu, days)
    values = scale(CampaignKind.CSAT)
    step, periods = _bucket(days), []
    start = since
    while start < until:
        end = min(start + step, until)
        in_period = [r for r in rows if r.sent_at and start <= r.sent_at < end]
        label = t.format_time(start, kefu.timezone)[5:10]
        periods.append(
            Period(label, summarize(CampaignKind.CSAT, values, _ticket_responses(in_period)))
        )
        start = end
    return Report(
        title=t.t("Satisfaction after resolved tickets"),
        period=t.tn("the last {n} day", "the last {n} days", days),
        summary=summarize(CampaignKind.CSAT, values, _ticket_responses(rows)),
        labels=value_labels(CampaignKind.CSAT, None, t.language),
        periods=periods,
    )


async def ticket_csv(kefu: Kefu, days: int) -> bytes:
    _since, _until, rows = await _ticket_rows(kefu, days)
    return export.ticket_survey_csv(rows)
