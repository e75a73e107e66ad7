"""Which fonts a chart is drawn with, so that Chinese labels show as Chinese, not empty boxes.

Chinese labels need a CJK font. Kefu uses one that is installed (Noto Sans CJK, Source Han
Sans, WenQuanYi, ...; see `fc-list :lang=zh`) and never downloads fonts: `make setup` installs
Debian's `fonts-noto-cjk` when it can (`scripts/install-cjk-font.sh`). Without one, charts are
labelled in English instead. Shared by the survey charts and the periodic report's charts.
"""

from __future__ import annotations

from functools import cache

from bot.i18n import Catalogs, Translator

# Preferred families per language, best first; any CJK family will do after these.
_FAMILIES = {
    "zh_Hans": ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Noto Sans SC"),
    "zh_Hant": ("Noto Sans CJK TC", "Source Han Sans TC", "Noto Sans CJK HK", "Noto Sans TC"),
}
DEFAULT_FAMILY = "DejaVu Sans"  # matplotlib's own
_CJK_HINTS = ("CJK", "Han Sans", "WenQuanYi", "Hei", "Ming", "Noto Sans SC", "Noto Sans TC")


@cache
def cjk_font(language: str) -> str | None:
    """An installed font family that has Chinese glyphs, or None."""
    found = _best_cjk_family(language)
    if found is None:
        _add_fonts_installed_since_matplotlib_cached_its_list()
        found = _best_cjk_family(language)
    return found


def _best_cjk_family(language: str) -> str | None:
    from matplotlib import font_manager

    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in _FAMILIES.get(language, ()):
        if family in installed:
            return family
    return next((name for name in sorted(installed) if any(h in name for h in _CJK_HINTS)), None)


def _add_fonts_installed_since_matplotlib_cached_its_list() -> None:
    """matplotlib reads its font list from a cache (`fontlist-*.json` in its cache directory)
    written the first time it ran, and never looks again: a CJK font installed later, by
    `make setup` or by an admin following its hint, stays unknown to it. Deleting that cache
    from the set-up script would only help the user who ran it (the bot may run as another
    user, or with `MPLCONFIGDIR` set); instead, when no CJK font is known, the system's fonts
    that the list lacks are added with matplotlib's public `addfont`, in this process only
    (at most once per language, as `cjk_font` is cached).
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    known_files = {entry.fname for entry in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path in known_files:
            continue
        try:
            manager.addfont(path)
        except (OSError, RuntimeError, ValueError):
            continue  # a file FreeType cannot read: matplotlib's own scan skips it too


def chart_words(catalogs: Catalogs, language: str) -> tuple[Translator, list[str]]:
    """The language to label the chart in, and the font families to draw it with, best first.

    A CJK font, when there is one, is also a fallback for English charts: answers, options and
    ticket types typed by people can be Chinese whatever the admin's language.
    """
    cjk = cjk_font(language if language.startswith("zh") else "zh_Hans")
    if cjk is None:
        chart_language = "en" if language.startswith("zh") else language
        return catalogs.for_language(chart_language), [DEFAULT_FAMILY]
    families = [cjk, DEFAULT_FAMILY] if language.startswith("zh") else [DEFAULT_FAMILY, cjk]
    return catalogs.for_language(language), families
