"""Keyboards shared by several handlers. Callback data is `feature:action[:argument]`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator

# Each language named in itself, whatever the reader's language: a reader who landed in the
# wrong one must still find their own (the usual language-picker practice, so not translated).
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文", "zh_Hant": "繁體中文"}


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t.t("Ask a question"), callback_data="menu:consult")],
            [
                InlineKeyboardButton(t.t("Repair or installation"), callback_data="menu:repair"),
                InlineKeyboardButton(t.t("Return or exchange"), callback_data="menu:return"),
            ],
            [
                InlineKeyboardButton(t.t("Complaint"), callback_data="menu:complaint"),
                InlineKeyboardButton(t.t("My tickets"), callback_data="menu:tickets"),
            ],
            [InlineKeyboardButton(t.t("Language"), callback_data="menu:language")],
        ]
    )


def language_menu(current: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"{'✓ ' if code == current else ''}{name}", callback_data=f"lang:{code}"
                )
            ]
            for code, name in LANGUAGE_NAMES.items()
        ]
    )


def faq_only_menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.t("Ask a question"), callback_data="menu:consult")]]
    )
