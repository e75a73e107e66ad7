"""Keyboards shared by several handlers; their callback data is in `handlers.common.buttons`."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from handlers.common import buttons
from handlers.common.buttons import (
    MENU_COMPLAINT,
    MENU_CONSULT,
    MENU_LANGUAGE,
    MENU_REPAIR,
    MENU_RETURN,
    MENU_TICKETS,
)

# Each language named in itself, whatever the reader's language: a reader who landed in the
# wrong one must still find their own (the usual language-picker practice, so not translated).
LANGUAGE_NAMES = {"en": "English", "zh_Hans": "简体中文", "zh_Hant": "繁體中文"}
LANGUAGE = buttons.Button("lang", convert=buttons.one_of(*LANGUAGE_NAMES))


def main_menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t.t("Ask a question"), callback_data=MENU_CONSULT.data())],
            [
                InlineKeyboardButton(
                    t.t("Repair or installation"), callback_data=MENU_REPAIR.data()
                ),
                InlineKeyboardButton(t.t("Return or exchange"), callback_data=MENU_RETURN.data()),
            ],
            [
                InlineKeyboardButton(t.t("Complaint"), callback_data=MENU_COMPLAINT.data()),
                InlineKeyboardButton(t.t("My tickets"), callback_data=MENU_TICKETS.data()),
            ],
            [InlineKeyboardButton(t.t("Language"), callback_data=MENU_LANGUAGE.data())],
        ]
    )


def language_menu(current: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"{'✓ ' if code == current else ''}{name}", callback_data=LANGUAGE.data(code)
                )
            ]
            for code, name in LANGUAGE_NAMES.items()
        ]
    )


def faq_only_menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.t("Ask a question"), callback_data=MENU_CONSULT.data())]]
    )
