"""Every sentence a user can read exists in all three languages, with the same placeholders."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, Catalogs, language_from_telegram

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"t": None, "tn": (1, 2), "N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}|%\((\w+)\)s")


def _source_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            found.update(part for part in message if part)
        else:
            found.add(message)
    return found


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


SOURCE_MESSAGES = _source_messages()


def test_the_source_has_user_facing_text() -> None:
    assert "How can we help you?" in SOURCE_MESSAGES
    assert len(SOURCE_MESSAGES) > 20


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated(language: str) -> None:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "kefu.po").open("rb") as po:
        catalog = read_po(po)
    missing, fuzzy, mismatched = [], [], []
    for msgid in sorted(SOURCE_MESSAGES):
        entry = catalog.get(msgid) or next(
            (m for m in catalog if isinstance(m.id, tuple) and msgid in m.id), None
        )
        translations = (
            [s for s in entry.string if s] if entry and isinstance(entry.string, tuple) else []
        )
        if entry and isinstance(entry.string, str) and entry.string:
            translations = [entry.string]
        if not translations:
            missing.append(msgid)
            continue
        if entry.fuzzy:
            fuzzy.append(msgid)
        if any(_placeholders(msgid) != _placeholders(s) for s in translations) and not isinstance(
            entry.id, tuple
        ):
            mismatched.append(msgid)
    assert not missing, f"{language}: untranslated: {missing}"
    assert not fuzzy, f"{language}: fuzzy (needs review): {fuzzy}"
    assert not mismatched, f"{language}: placeholders differ: {mismatched}"


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-hant", "zh_Hant"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("de", "en"),
        (None, "en"),
    ],
)
def test_telegram_language_codes_map_to_supported_languages(code: str | None, language: str):
    assert language_from_telegram(code) == language


def test_templates_escape_what_users_typed() -> None:
    welcome = Catalogs().for_language("zh_Hant").render("welcome.html.j2", name="<b>Eve</b>")
    assert "&lt;b&gt;Eve&lt;/b&gt;" in welcome
    assert "<b>Eve</b>" not in welcome


def _catalog_folder(root: Path, translation: str) -> Path:
    po_path = root / "zh_Hans" / "LC_MESSAGES" / "kefu.po"
    po_path.parent.mkdir(parents=True)
    po_path.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgid "Thank you!"\nmsgstr "{translation}"\n',
        encoding="utf-8",
    )
    return po_path


def _compile_mo(po_path: Path) -> None:
    from babel.messages.mofile import write_mo

    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_Hans", domain="kefu")
    with po_path.with_suffix(".mo").open("wb") as mo_file:
        write_mo(mo_file, catalog)


def test_a_catalog_compiled_ahead_is_used_while_it_is_current(tmp_path: Path) -> None:
    # Read from the .mo (no parsing of the .po at every start): told apart here by a .po whose
    # words differ but which is older than the .mo.
    po_path = _catalog_folder(tmp_path, "谢谢！")
    _compile_mo(po_path)
    mo_time = po_path.with_suffix(".mo").stat().st_mtime_ns
    po_path.write_text(po_path.read_text(encoding="utf-8").replace("谢谢！", "未编译"), "utf-8")
    os.utime(po_path, ns=(mo_time - 1_000_000, mo_time - 1_000_000))
    assert Catalogs(tmp_path).for_language("zh_Hans").t("Thank you!") == "谢谢！"


def test_a_translation_edited_after_compiling_is_what_customers_read(tmp_path: Path) -> None:
    # A stale .mo (the .po edited since `make` compiled it) must not bring old words back.
    po_path = _catalog_folder(tmp_path, "旧的")
    _compile_mo(po_path)
    mo_time = po_path.with_suffix(".mo").stat().st_mtime_ns
    po_path.write_text(po_path.read_text(encoding="utf-8").replace("旧的", "新的"), "utf-8")
    os.utime(po_path, ns=(mo_time + 1_000_000, mo_time + 1_000_000))
    assert Catalogs(tmp_path).for_language("zh_Hans").t("Thank you!") == "新的"
