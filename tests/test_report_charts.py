"""The periodic report's charts: drawn in every language, Chinese as Chinese, never as boxes."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import Catalogs, Translator
from domain.chart_fonts import DEFAULT_FAMILY, chart_words, cjk_font
from domain.reports.charts import (
    compliance_png,
    first_response_png,
    report_charts,
    response_bucket_label,
    satisfaction_png,
    volume_png,
)
from domain.reports.series import (
    DailyVolume,
    ResponseHistogram,
    SatisfactionTrend,
    WeeklyCompliance,
)

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = Catalogs()
NO_SYSTEM_FONTS = {"MPL_IGNORE_SYSTEM_FONTS": "1"}
PNG = b"\x89PNG\r\n\x1a\n"
NO_CJK_FONT = (
    "no CJK font is installed (`fc-list :lang=zh` is empty): `make setup` should have installed "
    "fonts-noto-cjk (scripts/install-cjk-font.sh); install it with "
    "'sudo apt-get install fonts-noto-cjk'"
)
DAYS = [date(2024, 11, 4) + timedelta(days=n) for n in range(14)]
WEEKS = ["11-04", "11-11", "11-18", "11-25"]


def volume(t: Translator) -> DailyVolume:
    # "维修" as a ticket type typed in Chinese in the configuration: Chinese in every language.
    return DailyVolume(
        days=DAYS,
        by_type={
            "维修": [3, 5, 2, 0, 4, 1, 0, 6, 2, 3, 1, 0, 2, 4],
            t.t("Return"): [1, 0, 2, 1, 0, 0, 1, 2, 0, 1, 0, 0, 1, 0],
            t.t("Consultation"): [4, 6, 3, 5, 2, 1, 0, 5, 4, 3, 6, 2, 1, 3],
            t.t("Complaint"): [0] * 14,
        },
    )


def response() -> ResponseHistogram:
    return ResponseHistogram(
        edges_minutes=[0, 30, 60, 120, 240, 480, 1440],
        counts=[18, 11, 7, 4, 2, 1, 1],
        target_minutes=240,
    )


def compliance() -> WeeklyCompliance:
    return WeeklyCompliance(weeks=WEEKS, percent=[92.5, 100.0, None, 78.0])


def satisfaction() -> SatisfactionTrend:
    return SatisfactionTrend(
        labels=WEEKS, csat=[4.4, None, 3.9, 4.6], nps=[40.0, 25.0, None, -5.0]
    )


def empty() -> tuple[DailyVolume, ResponseHistogram, WeeklyCompliance, SatisfactionTrend]:
    return (
        DailyVolume(days=DAYS, by_type={"维修": [0] * 14}),
        ResponseHistogram(edges_minutes=[0, 30, 60], counts=[0, 0, 0], target_minutes=30),
        WeeklyCompliance(weeks=WEEKS, percent=[None] * 4),
        SatisfactionTrend(labels=WEEKS, csat=[None] * 4, nps=[None] * 4),
    )


CHARTS: dict[str, tuple[Callable[..., bytes], Callable[[Translator], Any]]] = {
    "volume": (volume_png, volume),
    "first response": (first_response_png, lambda t: response()),
    "compliance": (compliance_png, lambda t: compliance()),
    "satisfaction": (satisfaction_png, lambda t: satisfaction()),
}


def missing_glyphs(draw: Callable[[], bytes]) -> tuple[bytes, list[str]]:
    """The PNG, and matplotlib's warnings about characters the fonts could not draw."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = draw()
    messages = [str(warning.message) for warning in caught]
    return png, [m for m in messages if "missing from font" in m or "Glyph" in m]


def require_cjk_font() -> None:
    # A failure, not a skip: without the font, Chinese charts are labelled in English.
    assert cjk_font("zh_Hans") and cjk_font("zh_Hant"), NO_CJK_FONT


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant", "en"])
@pytest.mark.parametrize("chart", CHARTS)
def test_each_chart_draws_every_character_in_the_readers_language(language: str, chart: str):
    require_cjk_font()
    t, families = chart_words(CATALOGS, language)
    assert t.language == language  # not fallen back to English for want of a font
    draw, series_for = CHARTS[chart]

    png, missing = missing_glyphs(lambda: draw(t, families, series_for(t)))

    assert png.startswith(PNG)
    assert not missing, f"{chart} chart in {language} drew boxes: {missing}"


def test_the_glyph_check_sees_chinese_drawn_without_a_cjk_font():
    t = CATALOGS.for_language("zh_Hans")

    _, missing = missing_glyphs(lambda: volume_png(t, [DEFAULT_FAMILY], volume(t)))

    assert any("missing from font" in message for message in missing)


def test_the_report_has_a_chart_per_series_in_order():
    require_cjk_font()
    charts = report_charts(
        CATALOGS,
        "zh_Hans",
        volume(CATALOGS.for_language("zh_Hans")),
        response(),
        compliance(),
        satisfaction(),
    )

    assert [name for name, _ in charts] == [
        "volume.png",
        "first-response.png",
        "sla-compliance.png",
        "satisfaction.png",
    ]
    assert all(png.startswith(PNG) for _, png in charts)


def test_a_period_with_nothing_in_it_has_no_charts():
    assert report_charts(CATALOGS, "zh_Hant", *empty()) == []


def test_an_empty_series_is_left_out_and_the_others_drawn():
    require_cjk_font()
    no_volume, _, no_compliance, _ = empty()

    charts = report_charts(CATALOGS, "en", no_volume, response(), no_compliance, satisfaction())

    assert [name for name, _ in charts] == ["first-response.png", "satisfaction.png"]


@pytest.mark.parametrize(
    ("edges", "labels"),
    [
        ([0, 30, 60, 120], ["< 30 min", "30–60 min", "60–120 min", "≥ 2 h"]),
        ([240, 480, 1440], ["4–8 h", "8–24 h", "≥ 24 h"]),
        ([0, 90, 150], ["< 1 h 30 min", "90–150 min", "≥ 2 h 30 min"]),
        ([15, 45], ["15–45 min", "≥ 45 min"]),
    ],
)
def test_response_buckets_read_as_spans_of_business_time(edges: list[float], labels: list[str]):
    t = CATALOGS.for_language("en")
    assert [response_bucket_label(t, edges, i) for i in range(len(edges))] == labels


def test_a_font_installed_after_matplotlib_cached_its_font_list_is_found(tmp_path: Path):
    require_cjk_font()
    python = [sys.executable, "-c"]
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}
    # matplotlib's first run sees no system font at all, as if the CJK font came after it.
    subprocess.run(
        [*python, "import matplotlib.font_manager"], env=env | NO_SYSTEM_FONTS, check=True
    )
    assert list(tmp_path.glob("fontlist-*.json")), "matplotlib wrote no font list cache"

    found = subprocess.run(
        [*python, "from domain.chart_fonts import cjk_font; print(cjk_font('zh_Hans'))"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert found.stdout.strip() == cjk_font("zh_Hans")
