"""A follow-up visit's (回访) answer: "Yes" asks for an optional comment; "No, the problem is
back" reopens the ticket or opens a linked one (`domain.care.repeats`) before the answer is
recorded, so a press handled again after a crash does it again rather than not at all, and
cannot be taken back: the ticket stays open.
"""

from __future__ import annotations

from datetime import datetime

from telegram import Update

from bot.context import KefuContext
from bot.metrics import SURVEY_ANSWERS
from domain.care import repeats
from domain.care.repeats import ProblemBack
from domain.care.visits import product_name
from domain.surveys.buttons import SurveyButton
from domain.surveys.questions import (
    VISIT_ANSWERS,
    campaign_keyboard,
    no_comment_keyboard,
    visit_answered,
)
from handlers.common.answers import answer
from handlers.common.edits import edit_pressed
from handlers.customer.surveys.verdicts import (
    CAMPAIGN_ANSWERS_FOR,
    COMMENT,
    Verdict,
    ask_comment,
    judge,
    refuse,
)
from storage import visits
from storage.survey_models import CampaignKind, DeliveryStatus
from storage.visits import PROBLEM_BACK, Visit


def judge_visit(visit: Visit, user_id: int, value: int, *, now: datetime) -> Verdict:
    """Recorded, or why not. "No" is final: the ticket it reopened is not closed by a press."""
    row, ticket = visit.row, visit.ticket
    if (
        ticket.customer.telegram_id != user_id
        or value not in VISIT_ANSWERS
        # Never sent (a forged id): only a sent visit, or one whose send is returning, counts.
        or row.status not in (DeliveryStatus.SENDING, DeliveryStatus.SENT)
        # Consent withdrawn or data erased since: nothing is opened or kept for them now.
        or not ticket.customer.has_consented
        or ticket.personal_data_erased_at is not None
    ):
        return Verdict("invalid")
    refused = judge(
        now=now,
        expires_at=(row.sent_at or now) + CAMPAIGN_ANSWERS_FOR,
        answered_at=row.answered_at,
        same=row.answer == value,
    )
    if refused is not None:
        return refused
    if row.answer == PROBLEM_BACK:
        return Verdict("final")
    return Verdict("recorded", first=row.answered_at is None)


async def visit_answer(
    update: Update, context: KefuContext, button: SurveyButton, visit: Visit
) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    kefu, value, t = context.kefu, button.value, context.t
    now = kefu.clock.now()
    verdict = judge_visit(visit, user.id, value, now=now)
    if verdict.kind != "recorded":
        await refuse(update, context, verdict)
        return
    back = (
        await repeats.problem_back(query.get_bot(), kefu, visit) if value == PROBLEM_BACK else None
    )
    async with kefu.db.unit_of_work() as session:
        locked = await visits.visit(session, button.target, for_update=True)
        if locked is not None and locked.row.answer != value:  # else a racing press did it
            await visits.record_answer(session, locked, value, now=now)
    SURVEY_ANSWERS.labels(survey="visit").inc()
    await answer(update, context, t.t("Thank you!"))
    ticket = visit.ticket
    await edit_pressed(
        update,
        context,
        text=visit_answered(t, ticket.number, product_name(kefu, ticket, t.language), value),
        markup=None
        if back is not None
        else campaign_keyboard(t, CampaignKind.FOLLOWUP, {}, button.target),
    )
    if back is not None:
        # A "Yes" just before asked for a comment: what they write now is for the ticket.
        assert context.user_data is not None
        context.user_data.pop(COMMENT, None)
        await query.get_bot().send_message(user.id, problem_back_words(context, back))
    elif verdict.first:
        ask_comment(context, "visit", button.target)
        await query.get_bot().send_message(
            user.id,
            t.t("Thank you! Would you like to tell us more? Just type it here."),
            reply_markup=no_comment_keyboard(t),
        )


def problem_back_words(context: KefuContext, back: ProblemBack) -> str:
    if back.reopened:
        return context.t.t(
            "We are sorry to hear that. We have reopened ticket {number}: our team will get "
            "back to you here.",
            number=back.number,
        )
    return context.t.t(
        "We are sorry to hear that. We have opened ticket {number} for it: our team will get "
        "back to you here.",
        number=back.number,
    )
