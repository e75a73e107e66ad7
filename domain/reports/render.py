"""A report in words (the reader's language, Telegram HTML) and as JSON for scripts.

Each figure is shown as "now (previous, change)"; the layout lives in the templates
`report.html.j2` and `compliance.html.j2`, the wording of each value here.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.i18n import Translator
from bot.services import Kefu
from domain.desk.wording import priority_name, type_name
from domain.reports.compliance import ClauseResult
from domain.reports.figures import Figures, Report
from domain.sla.tracking import EMERGENCY_POLICY
from domain.sla.wording import span_text
from storage import reports
from storage.enums import Priority, TicketType

TELEGRAM_TEXT_LIMIT = 4096


def type_labels(t: Translator) -> dict[str, str]:
    return {kind.value: type_name(t, kind) for kind in TicketType}


@dataclass(frozen=True)
class Row:
    label: str
    now: str
    before: str
    change: str


def _count_change(now: int, before: int) -> str:
    return f"{now - before:+d}" if now != before else "±0"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _points_change(t: Translator, now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    points = round(100 * (now - before))
    return t.t("{points} pts", points=f"{points:+d}") if points else "±0"


def _span(t: Translator, seconds: int | None) -> str:
    if seconds is None:
        return "—"
    if seconds == 0:
        return t.t("{minutes} min", minutes=0)
    return span_text(t, timedelta(seconds=seconds))


def _span_change(t: Translator, now: int | None, before: int | None) -> str:
    if now is None or before is None:
        return ""
    if now == before:
        return "±0"
    sign = "+" if now > before else "−"
    return sign + _span(t, abs(now - before))


def _score(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _count(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


# How a clause's value and target are written, by the metric's unit.
_SHOWN_AS: dict[str, Callable[[float | None], str]] = {
    "share": _percent,
    "score": _score,
    "count": _count,
}


def _score_change(now: float | None, before: float | None, digits: int = 1) -> str:
    if now is None or before is None:
        return ""
    return f"{now - before:+.{digits}f}"


def _count_row(label: str, now: int, before: int) -> Row:
    return Row(label, str(now), str(before), _count_change(now, before))


def _share_row(t: Translator, label: str, now: reports.Share, before: reports.Share) -> Row:
    shown = (
        t.t(
            "{part} of {whole} ({percent})",
            part=now.part,
            whole=now.whole,
            percent=_percent(now.ratio),
        )
        if now.whole
        else "—"
    )
    return Row(label, shown, _percent(before.ratio), _points_change(t, now.ratio, before.ratio))


def _spread_rows(
    t: Translator, label: str, now: reports.Spread, before: reports.Spread
) -> list[Row]:
    return [
        Row(
            t.t("{what}, median", what=label),
            _span(t, now.median),
            _span(t, before.median),
            _span_change(t, now.median, before.median),
        ),
        Row(
            t.t("{what}, 90th percentile", what=label),
            _span(t, now.p90),
            _span(t, before.p90),
            _span_change(t, now.p90, before.p90),
        ),
    ]


def visit_rows(t: Translator, now: Figures, before: Figures) -> list[Row]:
    """The follow-up visits (回访): sent of those due and answered (`followups_done`'s figures,
    tickets resolved in the period), then the repeat-problem rate (visits answered in the
    period). No rows when neither period has a visit to speak of, as with none configured."""
    if not (now.followups.due or now.repeat_problems.whole) and not (
        before.followups.due or before.repeat_problems.whole
    ):
        return []
    visits, earlier = now.followups, before.followups
    return [
        _share_row(t, t.t("Visits sent, of those due"), visits.sent_share, earlier.sent_share),
        Row(
            t.t("Visits answered"),
            _answered_of_sent(t, visits.answered, visits.sent),
            str(earlier.answered),
            _count_change(visits.answered, earlier.answered),
        ),
        _share_row(
            t,
            t.t("Repeat-problem rate, of visits answered"),
            now.repeat_problems,
            before.repeat_problems,
        ),
    ]


def _answered_of_sent(t: Translator, answered: int, sent: int) -> str:
    """ "3 of 5 sent (60%)": surveys or follow-up visits."""
    return t.t(
        "{answered} of {sent} sent ({percent})",
        answered=answered,
        sent=sent,
        percent=_percent(answered / sent if sent else None),
    )


def _breakdown(labels: dict[Any, str], counts: dict[Any, int]) -> str:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], labels.get(item[0], "")))
    return " · ".join(f"{labels.get(key, key)} {count}" for key, count in ordered)


def _timer_name(t: Translator, timer: str) -> str:
    return t.t("first response") if timer == "first_response" else t.t("resolution")


def _policy_name(t: Translator, policy: str) -> str:
    if policy == EMERGENCY_POLICY:
        return t.t("Emergency")
    kind, _, priority = policy.partition(".")
    known = kind in {member.value for member in TicketType}
    kind_text = type_name(t, TicketType(kind)) if known else t.t("default policy")
    if priority in ("", "default"):
        return kind_text
    return f"{kind_text} · {priority_name(t, Priority(priority))}"


def timer_rows(t: Translator, figures: Figures, previous: Figures) -> list[dict[str, Any]]:
    before = {(o.policy, o.timer): o for o in previous.timers}
    rows = []
    for outcome in figures.timers:
        earlier = before.get((outcome.policy, outcome.timer))
        now_ratio = outcome.met / outcome.judged if outcome.judged else None
        before_ratio = earlier.met / earlier.judged if earlier and earlier.judged else None
        rows.append(
            {
                "label": f"{_policy_name(t, outcome.policy)}, {_timer_name(t, outcome.timer)}",
                "now": t.t(
                    "{met} of {judged} met ({percent})",
                    met=outcome.met,
                    judged=outcome.judged,
                    percent=_percent(now_ratio),
                ),
                "before": _percent(before_ratio),
                "change": _points_change(t, now_ratio, before_ratio),
                "breaches": list(outcome.breaches),
                "more": outcome.breached - len(outcome.breaches),
            }
        )
    return rows


def clause_rows(
    t: Translator, language: str, results: list[ClauseResult], previous: list[ClauseResult]
) -> list[dict[str, Any]]:
    before = {result.clause.id: result for result in previous}
    rows = []
    for result in results:
        measured = result.measured
        show = _SHOWN_AS.get(result.unit, _score)
        earlier = before.get(result.clause.id)
        target = show(result.clause.target)
        rows.append(
            {
                "mark": {True: "✅", False: "❌", None: "➖"}[measured.met],
                "title": result.clause.title(language),
                "target": t.t("at most {target}", target=target)
                if result.at_most
                else t.t("at least {target}", target=target),
                "measured": show(measured.value),
                "counts": _clause_counts(t, result),
                "before": show(earlier.measured.value) if earlier else "—",
                "verdict": {
                    True: t.t("met"),
                    False: t.t("not met"),
                    None: t.t("nothing to measure"),
                }[measured.met],
                "offenders": list(measured.offenders),
                "more": max(
                    0, (measured.whole or 0) - (measured.part or 0) - len(measured.offenders)
                )
                if result.unit == "share" and measured.offenders
                else 0,
            }
        )
    return rows


def _clause_counts(t: Translator, result: ClauseResult) -> str:
    """The counts behind a share ("3 of 5"), with how many were answered where the metric's
    messages ask something (follow-up visits): a visit sent but never answered kept the letter
    of the promise, not its point."""
    measured = result.measured
    if result.unit != "share" or not measured.whole:
        return ""
    if measured.answered is None:
        return t.t("{part} of {whole}", part=measured.part, whole=measured.whole)
    return t.t(
        "{part} of {whole}, {answered} answered",
        part=measured.part,
        whole=measured.whole,
        answered=measured.answered,
    )


def _unlisted(result: ClauseResult) -> int:
    """How many offenders the list leaves out (it names at most `reports.MAX_LISTED`)."""
    measured = result.measured
    if result.unit != "share" or not measured.offenders or measured.whole is None:
        return 0
    short = measured.whole - (measured.part or 0)
    return max(0, short - len(measured.offenders))


def render_text(kefu: Kefu, t: Translator, report: Report) -> str:
    now, before = report.current, report.previous
    if now.is_empty:
        return t.render(
            "report.html.j2", empty=True, period=now.period.label(), previous=before.period.label()
        )
    products = {p.id: p.name(t.language) for p in kefu.config.products}
    products[None] = t.t("no product")
    types = type_labels(t)
    ticket_rows = [
        _count_row(t.t("Opened"), now.tickets.opened, before.tickets.opened),
        _count_row(t.t("Resolved"), now.tickets.resolved, before.tickets.resolved),
        _count_row(t.t("Closed"), now.tickets.closed, before.tickets.closed),
        _count_row(t.t("Backlog at the end"), now.tickets.backlog, before.tickets.backlog),
    ]
    time_rows = [
        *_spread_rows(t, t.t("First response"), now.first_response, before.first_response),
        *_spread_rows(t, t.t("Resolution"), now.resolution, before.resolution),
    ]
    quality_rows = [
        _share_row(t, t.t("Reopened"), now.reopened, before.reopened),
        _share_row(t, t.t("Complaints handled in time"), now.complaints, before.complaints),
        _share_row(t, t.t("Answered by the FAQ"), now.self_service, before.self_service),
    ]
    csat, nps = now.csat, now.nps
    satisfaction_rows = [
        Row(
            t.t("CSAT average"),
            _score(csat.average, 2),
            _score(before.csat.average, 2),
            _score_change(csat.average, before.csat.average, 2),
        ),
        Row(
            t.t("CSAT answers"),
            _answered_of_sent(t, csat.answered, csat.sent),
            str(before.csat.answered),
            _count_change(csat.answered, before.csat.answered),
        ),
        Row(
            t.t("NPS"),
            _score(nps.score, 0),
            _score(before.nps.score, 0),
            _score_change(nps.score, before.nps.score, 0),
        ),
    ]
    return t.render(
        "report.html.j2",
        empty=False,
        period=now.period.label(),
        previous=before.period.label(),
        tickets=ticket_rows,
        by_type=_breakdown(types, now.tickets.opened_by_type),
        by_product=_breakdown(products, now.tickets.opened_by_product),
        by_tag=" · ".join(f"{tag} {count}" for tag, count in now.by_customer_tag),
        times=time_rows,
        timers=timer_rows(t, now, before),
        quality=quality_rows,
        satisfaction=satisfaction_rows,
        visits=visit_rows(t, now, before),
        distribution=" · ".join(
            f"{score}★ {csat.distribution[score]}" for score in range(5, 0, -1)
        )
        if csat.answered
        else "",
        nps_split=t.t(
            "{promoters} promoters · {passives} passives · {detractors} detractors",
            promoters=nps.promoters,
            passives=nps.passives,
            detractors=nps.detractors,
        )
        if nps.answered
        else "",
        staff=[
            {
                "name": person.name or str(person.telegram_id),  # the template escapes it
                "handled": person.handled,
                "first_response": _span(t, person.first_response.median),
                "csat": _score(person.csat_average, 2),
            }
            for person in now.staff
        ],
        compliance=render_compliance(t, t.language, report, alone=False),
        emergencies=emergency_rows(kefu, t, now),
        more_emergencies=now.emergencies.count - len(now.emergencies.listed),
    )


def emergency_rows(kefu: Kefu, t: Translator, figures: Figures) -> list[dict[str, str]]:
    """One line's values per emergency raised in the period (the template escapes them)."""
    missing = t.t("not recorded yet")
    return [
        {
            "number": row.number,
            "raised": t.format_time(row.raised_at, kefu.timezone),
            "response": t.t("no answer yet")
            if row.response_seconds is None
            else _span(t, row.response_seconds),
            "cause": row.cause or missing,
            "prevention": row.prevention or missing,
        }
        for row in figures.emergencies.listed
    ]


def _stars(csat: reports.Csat) -> str:
    if not csat.answered:
        return ""
    return " · ".join(f"{score}★ {csat.distribution[score]}" for score in range(5, 0, -1))


def render_compliance(t: Translator, language: str, report: Report, *, alone: bool = True) -> str:
    return t.render(
        "compliance.html.j2",
        alone=alone,
        period=report.current.period.label(),
        clauses=clause_rows(t, language, report.current.compliance, report.previous.compliance),
    )


def as_plain_text(text: str) -> str:
    """The report without Telegram's HTML, for a terminal."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def split_for_telegram(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """The text in messages Telegram accepts, cut between sections (blank lines)."""
    parts: list[str] = []
    current = ""
    for section in text.split("\n\n"):
        candidate = f"{current}\n\n{section}" if current else section
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(section) > limit:  # one section longer than a message: cut at a line
            cut = section.rfind("\n", 0, limit)
            cut = cut if cut > 0 else limit
            parts.append(section[:cut])
            section = section[cut:].lstrip("\n")
        current = section
    if current:
        parts.append(current)
    return parts


# --- JSON ---------------------------------------------------------------------------------------


def figures_json(figures: Figures) -> dict[str, Any]:
    tickets = figures.tickets
    return {
        "period": {
            "first_day": figures.period.first_day.isoformat(),
            "last_day": figures.period.last_day.isoformat(),
            "start": figures.period.start.isoformat(),
            "end": figures.period.end.isoformat(),
        },
        "tickets": {
            "opened": tickets.opened,
            "opened_by_type": tickets.opened_by_type,
            "opened_by_product": {
                (product or ""): count for product, count in tickets.opened_by_product.items()
            },
            "resolved": tickets.resolved,
            "closed": tickets.closed,
            "backlog": tickets.backlog,
        },
        "first_response_seconds": vars_of(figures.first_response),
        "resolution_seconds": vars_of(figures.resolution),
        "sla": [
            {
                "policy": o.policy,
                "timer": o.timer,
                "met": o.met,
                "breached": o.breached,
                "breaches": list(o.breaches),
            }
            for o in figures.timers
        ],
        "reopened": share_json(figures.reopened),
        "complaints_handled": share_json(figures.complaints),
        "self_service": share_json(figures.self_service),
        "repeat_problems": figures.repeat_problems.part,
        "repeat_problem_rate": share_json(figures.repeat_problems),
        "followups": {
            "due": figures.followups.due,
            "sent": figures.followups.sent,
            "answered": figures.followups.answered,
            "ratio": figures.followups.sent_share.ratio,
        },
        "emergencies": {
            "count": figures.emergencies.count,
            "listed": [
                {
                    "number": row.number,
                    "raised_at": row.raised_at.isoformat(),
                    "first_response_seconds": row.response_seconds,
                    "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None,
                    "cause": row.cause,
                    "prevention": row.prevention,
                }
                for row in figures.emergencies.listed
            ],
        },
        "csat": {
            "sent": figures.csat.sent,
            "answered": figures.csat.answered,
            "average": figures.csat.average,
            "distribution": {str(k): v for k, v in figures.csat.distribution.items()},
        },
        "nps": {
            "score": figures.nps.score,
            "promoters": figures.nps.promoters,
            "passives": figures.nps.passives,
            "detractors": figures.nps.detractors,
        },
        "staff": [
            {
                "telegram_id": person.telegram_id,
                "name": person.name,
                "handled": person.handled,
                "first_response_median_seconds": person.first_response.median,
                "csat_average": person.csat_average,
                "csat_answers": person.csat_answers,
            }
            for person in figures.staff
        ],
        "compliance": [
            {
                "id": result.clause.id,
                "metric": result.clause.metric,
                "target": result.clause.target,
                "value": result.measured.value,
                "met": result.measured.met,
                "part": result.measured.part,
                "whole": result.measured.whole,
                "answered": result.measured.answered,
                "offenders": list(result.measured.offenders),
            }
            for result in figures.compliance
        ],
    }


def vars_of(spread: reports.Spread) -> dict[str, int | None]:
    return {"count": spread.count, "median": spread.median, "p90": spread.p90}


def share_json(share: reports.Share) -> dict[str, Any]:
    return {"part": share.part, "whole": share.whole, "ratio": share.ratio}


def report_json(report: Report) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(),
        "current": figures_json(report.current),
        "previous": figures_json(report.previous),
    }
