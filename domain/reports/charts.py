"""The periodic report's charts as PNGs: volume, first response, SLA compliance, satisfaction.

Drawn as the survey charts are (`domain/surveys/chart.py`): matplotlib's object API on the Agg
backend, so charts can be drawn in a worker thread, with matplotlib imported on the first chart
only. Every text is set in the given font families (`domain.chart_fonts.chart_words`), tick
labels and legends included: one text left in matplotlib's default font draws Chinese as boxes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from bot.i18n import Catalogs, Translator
from domain.chart_fonts import chart_words
from domain.reports.series import (
    DailyVolume,
    ResponseHistogram,
    SatisfactionTrend,
    WeeklyCompliance,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# 800 x 400 pixels: readable as a Telegram photo, a few tens of kB to send.
_FIGSIZE = (8, 4)
_DPI = 100
_MOST_TICK_LABELS = 10  # more day or week labels than this overlap at this width
_ON_TIME, _LATE, _TARGET = "#3b82c4", "#e08a3c", "#c0392b"


def report_charts(
    catalogs: Catalogs,
    language: str,
    volume: DailyVolume,
    response: ResponseHistogram,
    compliance: WeeklyCompliance,
    satisfaction: SatisfactionTrend,
) -> list[tuple[str, bytes]]:
    """(file name, PNG) per chart, in the report's order; an empty series is left out."""
    t, families = chart_words(catalogs, language)
    charts: list[tuple[str, bytes]] = []
    if not volume.is_empty:
        charts.append(("volume.png", volume_png(t, families, volume)))
    if not response.is_empty:
        charts.append(("first-response.png", first_response_png(t, families, response)))
    if not compliance.is_empty:
        charts.append(("sla-compliance.png", compliance_png(t, families, compliance)))
    if not satisfaction.is_empty:
        charts.append(("satisfaction.png", satisfaction_png(t, families, satisfaction)))
    return charts


def volume_png(t: Translator, families: Sequence[str], series: DailyVolume) -> bytes:
    """Tickets opened per day, one stacked colour per ticket type."""
    figure = _figure()
    axes = figure.subplots()
    positions = range(len(series.days))
    bottoms = [0] * len(series.days)
    for label, counts in series.by_type.items():
        if not any(counts):
            continue  # a type nobody asked for would only add a legend entry
        axes.bar(positions, counts, bottom=bottoms, label=label, width=0.8)
        bottoms = [below + count for below, count in zip(bottoms, counts, strict=True)]
    _category_ticks(axes, [f"{day:%m-%d}" for day in series.days])
    _integer_counts(axes)
    axes.set_ylabel(t.t("Tickets"), fontfamily=list(families))
    axes.set_title(t.t("Tickets opened per day"), fontfamily=list(families))
    _legend_beside(axes, families)
    return _png(figure, families)


def first_response_png(t: Translator, families: Sequence[str], series: ResponseHistogram) -> bytes:
    """How long first responses took, with the target as a line and the late buckets marked."""
    figure = _figure()
    axes = figure.subplots()
    edges, target = series.edges_minutes, series.target_minutes
    colours = [_LATE if target is not None and low >= target else _ON_TIME for low in edges]
    axes.bar(range(len(series.counts)), series.counts, color=colours, width=0.9)
    axes.set_xticks(
        range(len(edges)), [response_bucket_label(t, edges, i) for i in range(len(edges))]
    )
    if target is not None:
        axes.axvline(
            _target_position(edges, target),
            color=_TARGET,
            linestyle="--",
            label=t.t("Target: {time}", time=_business_time(t, target)),
        )
        _legend_beside(axes, families)
    _integer_counts(axes)
    axes.set_xlabel(t.t("Business time to the first response"), fontfamily=list(families))
    axes.set_ylabel(t.t("Tickets"), fontfamily=list(families))
    axes.set_title(t.t("Time to first response"), fontfamily=list(families))
    return _png(figure, families)


def compliance_png(t: Translator, families: Sequence[str], series: WeeklyCompliance) -> bytes:
    """The share of SLA timers met per week, 0-100 %; a week in which no timer ended has no bar."""
    from matplotlib.ticker import PercentFormatter

    figure = _figure()
    axes = figure.subplots()
    shown = [(i, value) for i, value in enumerate(series.percent) if value is not None]
    bars = axes.bar([i for i, _ in shown], [value for _, value in shown], color=_ON_TIME)
    axes.bar_label(bars, fmt="{:.0f}%", padding=2, fontfamily=list(families), fontsize=9)
    _category_ticks(axes, series.weeks)
    axes.set_ylim(0, 110)  # room above a 100 % bar for its label
    axes.set_yticks(range(0, 101, 20))
    axes.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    axes.set_title(t.t("SLA timers met, per week"), fontfamily=list(families))
    return _png(figure, families)


def satisfaction_png(t: Translator, families: Sequence[str], series: SatisfactionTrend) -> bytes:
    """CSAT average (1-5) and NPS (-100..100) per week, side by side; a measure with no answers
    in the period gets no panel."""
    panels = [
        (t.t("Average score"), series.csat, (1, 5)),
        (t.t("Net Promoter Score"), series.nps, (-100, 100)),
    ]
    panels = [panel for panel in panels if any(value is not None for value in panel[1])] or panels
    figure = _figure()
    for axes, (title, values, (low, high)) in zip(
        figure.subplots(1, len(panels), squeeze=False)[0], panels, strict=True
    ):
        # A week without answers is a gap in the line, not a fall to zero.
        points = [math.nan if value is None else value for value in values]
        axes.plot(range(len(points)), points, marker="o", color=_ON_TIME)
        if low < 0 < high:
            axes.axhline(0, color="grey", linewidth=0.8)
        axes.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
        _category_ticks(axes, series.labels, most=_MOST_TICK_LABELS // len(panels))
        axes.set_title(title, fontfamily=list(families), fontsize=10)
    figure.suptitle(t.t("Satisfaction per week"), fontfamily=list(families))
    return _png(figure, families)


def _business_time(t: Translator, minutes: float) -> str:
    """ "30 min", "2 h", "1 h 30 min": in hours however long, since a business day is not 24 h."""
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return t.t("{minutes} min", minutes=rest)
    if not rest:
        return t.t("{hours} h", hours=hours)
    return t.t("{hours} h {minutes} min", hours=hours, minutes=rest)


def response_bucket_label(t: Translator, edges: Sequence[float], i: int) -> str:
    """ "< 30 min", "60–90 min", "2–4 h", "≥ 24 h" for bucket [edges[i], edges[i + 1]): short,
    so that ten buckets fit side by side; whole hours from two hours on, minutes below."""
    if i == len(edges) - 1:
        return t.t("≥ {time}", time=_business_time(t, edges[i]))
    low, high = edges[i], edges[i + 1]
    if i == 0 and low <= 0:
        return t.t("< {time}", time=_business_time(t, high))
    if low >= 120 and low % 60 == 0 and high % 60 == 0:
        return t.t("{low}–{high} h", low=round(low) // 60, high=round(high) // 60)
    return t.t("{low}–{high} min", low=round(low), high=round(high))


def _target_position(edges: Sequence[float], target: float) -> float:
    """Where the target falls on the bar axis: bar i spans i - 0.5 to i + 0.5, linearly."""
    for i, (low, high) in enumerate(pairwise(edges)):
        if target < high:
            return i - 0.5 + max(0.0, (target - low) / (high - low))
    return len(edges) - 1.5  # at or past the last edge: where the open bucket starts


def _figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=_FIGSIZE, dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _category_ticks(axes: Axes, labels: Sequence[str], most: int = _MOST_TICK_LABELS) -> None:
    """One tick per bar or point, labelled every so many so that labels never overlap."""
    step = max(1, math.ceil(len(labels) / max(1, most)))
    axes.set_xticks(range(len(labels)))
    axes.set_xticklabels([label if i % step == 0 else "" for i, label in enumerate(labels)])


def _integer_counts(axes: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))


def _legend_beside(axes: Axes, families: Sequence[str]) -> None:
    from matplotlib.font_manager import FontProperties

    font = FontProperties(family=list(families), size=9)
    axes.legend(prop=font, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)


def _png(figure: Figure, families: Sequence[str]) -> bytes:
    # Tick labels are made and remade while drawing, so their font is set on the axes' tick
    # parameters (which new ticks inherit), not on today's label objects.
    for axes in figure.axes:
        axes.tick_params(labelfontfamily=list(families), labelsize=9)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
