"""Survey results as a PNG chart (matplotlib's Agg backend: no display needed).

Chinese labels need a CJK font: `domain.chart_fonts` finds an installed one (`chart_words`,
`cjk_font`, re-exported here for the survey reports); without one, the chart is labelled in
English instead of showing empty boxes.

The figure is built with the object API (`Figure`, not `pyplot`): no global state, so charts
can be drawn in a worker thread while the bot goes on answering. matplotlib is imported on the
first chart only: it adds some 40 MB to the process, which most runs never need.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import Translator
from domain.chart_fonts import DEFAULT_FAMILY, chart_words, cjk_font
from domain.surveys.results import Summary
from storage.survey_models import CampaignKind

__all__ = ["Period", "chart_words", "cjk_font", "render_png"]


@dataclass(frozen=True)
class Period:
    label: str
    summary: Summary


def _headline(summary: Summary) -> float | None:
    if summary.kind == CampaignKind.NPS:
        return summary.nps
    if summary.kind == CampaignKind.CSAT:
        return summary.average
    return 100 * summary.answer_rate if summary.answer_rate is not None else None


_HEADLINE_RANGE = {
    CampaignKind.NPS: (-100, 100),
    CampaignKind.CSAT: (1, 5),
    CampaignKind.CHOICE: (0, 100),
}


def _headline_label(t: Translator, kind: CampaignKind) -> str:
    if kind == CampaignKind.NPS:
        return t.t("Net Promoter Score")
    if kind == CampaignKind.CSAT:
        return t.t("Average score")
    return t.t("Answer rate (%)")


def render_png(
    t: Translator,
    title: str,
    summary: Summary,
    value_labels: Sequence[str],
    periods: Sequence[Period] = (),
    *,
    families: Sequence[str] = (DEFAULT_FAMILY,),
) -> bytes:
    """A bar chart of the answers, and the headline figure per period if there are several."""
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(10 if len(periods) > 1 else 7, 4.5), dpi=100)
    FigureCanvasAgg(figure)
    font = {"family": list(families)}
    axes = figure.subplots(1, 2 if len(periods) > 1 else 1, squeeze=False)[0]
    bars = axes[0]
    counts = list(summary.distribution.values())
    positions = range(len(counts))
    bars.bar(positions, counts, color="#3b82c4")
    bars.set_xticks(list(positions), list(value_labels), fontdict=font)
    if summary.kind == CampaignKind.CHOICE:
        for label in bars.get_xticklabels():
            label.set_rotation(20)
            label.set_horizontalalignment("right")
    bars.yaxis.set_major_locator(MaxNLocator(integer=True))
    bars.set_ylabel(t.t("Answers"), fontdict=font)
    bars.set_title(t.tn("{n} answer", "{n} answers", summary.answered), fontdict=font, fontsize=10)
    if len(periods) > 1:
        trend = axes[1]
        points = [(p.label, _headline(p.summary)) for p in periods]
        shown = [(label, value) for label, value in points if value is not None]
        trend.plot([label for label, _ in shown], [value for _, value in shown], marker="o")
        trend.set_title(_headline_label(t, summary.kind), fontdict=font, fontsize=10)
        trend.set_ylim(*_HEADLINE_RANGE[summary.kind])
        for label in trend.get_xticklabels():
            label.set_fontfamily(list(families))
    figure.suptitle(title, fontproperties=font_manager.FontProperties(family=list(families)))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
