"""What a customer sees: survey questions, their buttons, and the question once answered.

Campaign texts are the admin's own words per language (`texts[language]["question"]`, and
`["options"]` for a multiple-choice question); a language without a text falls back to English.
They are sent as plain text, so nothing the admin typed is read as markup.

A follow-up visit (`CampaignKind.FOLLOWUP`) asks about one ticket in Kefu's own words: whether
the product still works well, Yes or "No, the problem is back" (`storage.visits` keeps the
answer as `WORKS_WELL` or `PROBLEM_BACK`).
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from domain.surveys.buttons import Action, SurveyButton
from storage.survey_models import CampaignKind
from storage.visits import PROBLEM_BACK, WORKS_WELL

CSAT_SCORES = range(1, 6)
NPS_SCORES = range(11)


def stars(score: int) -> str:
    return "★" * score + "☆" * (5 - score)


def star_label(score: int) -> str:
    return f"{score} ★"


# --- after a ticket -----------------------------------------------------------------------------


def ticket_question(t: Translator, number: str, chosen: int | None = None) -> str:
    """HTML: the question, and the rating given so far."""
    return t.render(
        "survey_question.html.j2", number=number, chosen=stars(chosen) if chosen else None
    )


def ticket_keyboard(survey_id: int) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(
            star_label(score), callback_data=SurveyButton(Action.TICKET, survey_id, score).encode()
        )
        for score in CSAT_SCORES
    ]
    return InlineKeyboardMarkup([row])


def no_comment_keyboard(t: Translator) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        t.t("No comment"), callback_data=SurveyButton(Action.NO_COMMENT).encode()
    )
    return InlineKeyboardMarkup([[button]])


# --- campaigns ----------------------------------------------------------------------------------


def localized(texts: dict[str, Any], language: str) -> dict[str, Any]:
    return texts.get(language) or texts["en"]


def options(texts: dict[str, Any], language: str) -> list[str]:
    return list(localized(texts, language).get("options") or [])


def valid_answer(kind: CampaignKind, texts: dict[str, Any], value: int) -> bool:
    if kind == CampaignKind.CSAT:
        return value in CSAT_SCORES
    if kind == CampaignKind.NPS:
        return value in NPS_SCORES
    if kind == CampaignKind.FOLLOWUP:
        return value in (WORKS_WELL, PROBLEM_BACK)
    return 0 <= value < len(options(texts, "en"))


def _scale_hint(t: Translator, kind: CampaignKind) -> str | None:
    if kind == CampaignKind.CSAT:
        return t.t("1 = very dissatisfied, 5 = very satisfied")
    if kind == CampaignKind.NPS:
        return t.t("0 = not at all likely, 10 = extremely likely")
    return None


def campaign_text(t: Translator, kind: CampaignKind, texts: dict[str, Any]) -> str:
    """The question in the reader's language (`t`), with the meaning of the scale."""
    question = str(localized(texts, t.language)["question"])
    hint = _scale_hint(t, kind)
    return f"{question}\n\n{hint}" if hint else question


def answer_label(kind: CampaignKind, texts: dict[str, Any], language: str, value: int) -> str:
    if kind == CampaignKind.CSAT:
        return stars(value)
    if kind == CampaignKind.NPS:
        return f"{value}/10"
    choices = options(texts, language)
    return choices[value] if 0 <= value < len(choices) else str(value)


def answered_text(t: Translator, kind: CampaignKind, texts: dict[str, Any], value: int) -> str:
    label = answer_label(kind, texts, t.language, value)
    return f"{campaign_text(t, kind, texts)}\n\n{t.t('Your answer: {answer}', answer=label)}"


def campaign_keyboard(
    t: Translator, kind: CampaignKind, texts: dict[str, Any], recipient_id: int | None
) -> InlineKeyboardMarkup:
    """The answer buttons and "Stop these messages"; `recipient_id` None makes a preview."""

    def button(label: str, value: int) -> InlineKeyboardButton:
        data = (
            SurveyButton(Action.CAMPAIGN, recipient_id, value)
            if recipient_id is not None
            else SurveyButton(Action.PREVIEW)
        )
        return InlineKeyboardButton(label, callback_data=data.encode())

    rows: list[list[InlineKeyboardButton]]
    if kind == CampaignKind.CSAT:
        rows = [[button(star_label(score), score) for score in CSAT_SCORES]]
    elif kind == CampaignKind.NPS:
        rows = [
            [button(str(score), score) for score in range(6)],
            [button(str(score), score) for score in range(6, 11)],
        ]
    elif kind == CampaignKind.FOLLOWUP:
        rows = [[button(visit_answer_label(t, value), value)] for value in VISIT_ANSWERS]
    else:
        rows = [[button(label, index)] for index, label in enumerate(options(texts, t.language))]
    stop = SurveyButton(Action.STOP if recipient_id is not None else Action.PREVIEW)
    rows.append([InlineKeyboardButton(t.t("Stop these messages"), callback_data=stop.encode())])
    return InlineKeyboardMarkup(rows)


def follow_up_question(t: Translator, kind: CampaignKind) -> str | None:
    """What to ask after an answer: a comment (CSAT), why (NPS); nothing after a choice."""
    if kind == CampaignKind.CSAT:
        return t.t("Thank you! Would you like to tell us more? Just type it here.")
    if kind == CampaignKind.NPS:
        return t.t("Thank you! What is the main reason for your score? Just type it here.")
    return None


# --- follow-up visits ---------------------------------------------------------------------------

VISIT_ANSWERS = (WORKS_WELL, PROBLEM_BACK)


def visit_answer_label(t: Translator, value: int) -> str:
    return t.t("Yes") if value == WORKS_WELL else t.t("No, the problem is back")


def visit_question(t: Translator, number: str, product: str | None) -> str:
    """Whether the ticket's product (if it names one) still works well since its resolution."""
    if product:
        return t.t(
            "How is your {product} doing since we resolved ticket {number}? Is everything "
            "working well?",
            product=product,
            number=number,
        )
    return t.t(
        "Is everything still working well since we resolved ticket {number}?", number=number
    )


def visit_answered(t: Translator, number: str, product: str | None, value: int) -> str:
    answer = t.t("Your answer: {answer}", answer=visit_answer_label(t, value))
    return f"{visit_question(t, number, product)}\n\n{answer}"
