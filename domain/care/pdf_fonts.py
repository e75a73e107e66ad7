"""Which installed font a service record's PDF is written in, so that Chinese shows as Chinese.

The PDF embeds the font it is written in. Kefu uses the CJK font the charts use
(`domain.chart_fonts.cjk_font`: Noto Sans CJK, Source Han Sans, ...; it also has Latin
letters, so English records use it too) and never downloads one. Such fonts often come as a
collection (`.ttc`) of one face per region: the face is picked by its family name, read with
fontTools, since the collection's order is the foundry's, not ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from domain.chart_fonts import cjk_font

BOLD = 600  # CSS weights: semibold and up reads as bold


@dataclass(frozen=True)
class FontFace:
    path: str
    index: int = 0  # the face's number in a collection


@dataclass(frozen=True)
class PdfFonts:
    family: str
    regular: FontFace
    bold: FontFace | None  # headings fall back to the regular face


@cache
def pdf_fonts(language: str) -> PdfFonts | None:
    """The fonts for a record in `language`; None when no CJK font is installed."""
    family = cjk_font(language if language.startswith("zh") else "zh_Hans")
    if family is None:
        return None
    from matplotlib import font_manager

    faces = [
        entry
        for entry in font_manager.fontManager.ttflist
        if entry.name == family and entry.style == "normal"
    ]
    if not faces:
        return None
    regular = min(faces, key=lambda entry: abs(_weight(entry.weight) - 400))
    boldest = max(faces, key=lambda entry: _weight(entry.weight))
    bold = _face(boldest.fname, family) if _weight(boldest.weight) >= BOLD else None
    return PdfFonts(family, _face(regular.fname, family), bold)


def _weight(weight: int | str) -> int:
    from matplotlib import font_manager

    return weight if isinstance(weight, int) else font_manager.weight_dict.get(weight, 400)


def _face(path: str, family: str) -> FontFace:
    if not path.lower().endswith((".ttc", ".otc")):
        return FontFace(path)
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            if font["name"].getDebugName(1) == family:
                return FontFace(path, index)
    finally:
        collection.close()
    return FontFace(path)
