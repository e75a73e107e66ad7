"""Languages: gettext catalogs (compiled ahead, or in memory at start-up) and jinja2 templates.

Message ids are the English sentences themselves, so English needs no catalog and the code reads
naturally. Placeholders are named (`{number}`) and filled by `Translator.t(..., number=...)`.
"""

from __future__ import annotations

import contextlib
import functools
import io
from datetime import datetime
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "kefu"
LANGUAGES: tuple[str, ...] = ("en", "zh_Hans", "zh_Hant")
DEFAULT_LANGUAGE = "en"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
TEMPLATES_DIR = LOCALES_DIR / "templates"

# Telegram sends IETF tags ("zh-hans", "zh-TW", "en-GB"); Chinese script follows region when the
# tag names no script, as in CLDR's likely-subtags data.
_TRADITIONAL_REGIONS = {"tw", "hk", "mo", "hant"}


def language_from_telegram(code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The supported language closest to a Telegram `language_code`."""
    if not code:
        return default
    parts = code.replace("_", "-").lower().split("-")
    if parts[0] == "zh":
        return "zh_Hant" if _TRADITIONAL_REGIONS & set(parts[1:]) else "zh_Hans"
    if parts[0] == "en":
        return "en"
    return default


def _compile(po_path: Path) -> Translations:
    """The catalog of one language: the compiled .mo beside the .po (`make`, the Dockerfile)
    unless it is older than the .po (edited since), else compiled here from the .po."""
    stat = po_path.stat()
    mo_path = po_path.with_suffix(".mo")
    with contextlib.suppress(OSError):
        if mo_path.stat().st_mtime_ns >= stat.st_mtime_ns:
            with mo_path.open("rb") as mo_file:
                return Translations(mo_file, DOMAIN)
    return Translations(io.BytesIO(_mo_bytes(po_path, stat.st_mtime_ns, stat.st_size)), DOMAIN)


@functools.cache
def _mo_bytes(po_path: Path, _mtime_ns: int, _size: int) -> bytes:
    """The compiled catalog, once per version of the .po file: parsing one takes a tenth of a
    second, and a process that starts Kefu more than once (the tests, the demo) need not pay it
    each time."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=po_path.parent.parent.name, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


class Translator:
    """One language's words: short strings by gettext, long messages by jinja2 templates."""

    def __init__(self, language: str, translations: NullTranslations) -> None:
        self.language = language
        self._translations = translations

    def t(self, message: str, /, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def tn(self, singular: str, plural: str, n: int, /, **values: object) -> str:
        return self._translations.ngettext(singular, plural, n).format(n=n, **values)

    @cached_property
    def _templates(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,  # templates produce Telegram HTML
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        env.install_gettext_translations(self._translations, newstyle=True)  # type: ignore[attr-defined]
        env.filters["when"] = self.format_time
        return env

    def render(self, template: str, /, **values: object) -> str:
        return self._templates.get_template(template).render(**values).strip()

    @cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    def format_time(self, moment: datetime, tz: ZoneInfo | str = "UTC") -> str:
        """A UTC instant shown in the reader's time zone, in their language's medium format."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        local = moment.astimezone(zone)
        stamp = format_datetime(local, "yyyy-MM-dd HH:mm", tzinfo=zone, locale=self.locale)
        return f"{stamp} {local.tzname()}"


class Catalogs:
    """All languages, compiled once; `for_language` is cheap afterwards."""

    def __init__(self, locales_dir: Path = LOCALES_DIR) -> None:
        self._translators: dict[str, Translator] = {}
        for language in LANGUAGES:
            po_path = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
            translations = _compile(po_path) if po_path.exists() else NullTranslations()
            self._translators[language] = Translator(language, translations)

    def for_language(self, language: str | None) -> Translator:
        return self._translators.get(language or DEFAULT_LANGUAGE) or self._translators["en"]

    def all(self) -> list[Translator]:
        return list(self._translators.values())
