"""Customers answering surveys: stars after a ticket, campaign answers, follow-up visits,
comments, opting out.

These handlers live in their own group (`SURVEYS_GROUP` in bot/app.py), after the middleware
and before the main group. A survey button therefore works even while a guided flow is open,
and ends the update there (`ApplicationHandlerStop`). A typed message is taken as a comment only
when one was asked for (`user_data[COMMENT]`, persisted with the rest of `user_data`), it is
still fresh and no flow is under way; otherwise it goes on to the main group untouched.

One answer per survey: it may be changed for `CHANGE_WINDOW` after the first answer; later
presses, and presses on expired surveys, are answered politely and change nothing.

A follow-up visit (回访) is a campaign answer about one ticket. "Yes" asks for an optional
comment; "No, the problem is back" reopens the ticket or opens a linked one
(`domain.care.repeats`) before the answer is recorded, so a press handled again after a crash
does it again rather than not at all, and cannot be taken back: the ticket stays open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot.context import KefuContext
from domain.care import repeats
from domain.care.repeats import ProblemBack
from domain.care.visits import product_name
from domain.surveys import csat
from domain.surveys.buttons import PATTERN, Action, SurveyButton
from domain.surveys.questions import (
    CSAT_SCORES,
    VISIT_ANSWERS,
    answered_text,
    campaign_keyboard,
    follow_up_question,
    no_comment_keyboard,
    ticket_keyboard,
    ticket_question,
    valid_answer,
    visit_answered,
)
from handlers.common.answers import answer, drop_buttons
from handlers.common.edits import edit_pressed
from handlers.common.flow import draft
from storage import campaigns, customers, surveys, visits
from storage.events import Actor
from storage.survey_models import CampaignKind, DeliveryStatus
from storage.visits import PROBLEM_BACK, Visit

# user_data: {"kind": "ticket" | "campaign" | "visit", "id": int, "until": datetime}
COMMENT = "survey_comment"
COMMENT_WINDOW = timedelta(minutes=15)
CHANGE_WINDOW = timedelta(days=1)
CAMPAIGN_ANSWERS_FOR = timedelta(days=14)
MAX_COMMENT = 2000
TEXT = tg_filters.TEXT & ~tg_filters.COMMAND
NEW = ~tg_filters.UpdateType.EDITED


@dataclass(frozen=True)
class Verdict:
    """What became of a press: `recorded` (first answer or a change), or why not."""

    kind: str  # "recorded", "same", "final", "closed", "invalid"
    first: bool = False


def _judge(
    *, now: datetime, expires_at: datetime, answered_at: datetime | None, same: bool
) -> Verdict | None:
    """The polite refusals shared by both kinds of survey; None: record the answer."""
    if now > expires_at:
        return Verdict("closed")
    if answered_at is not None and now > answered_at + CHANGE_WINDOW:
        return Verdict("final")
    if same:
        return Verdict("same")
    return None


async def _refuse(update: Update, context: KefuContext, verdict: Verdict) -> None:
    query = update.callback_query
    assert query is not None
    t = context.t.t
    text = {
        "same": t("Thank you!"),
        "final": t("Thank you, we already have your answer."),
        "closed": t("This survey has closed. Thank you all the same!"),
    }.get(verdict.kind, t("This button is no longer valid."))
    await answer(update, context, text)
    if verdict.kind in ("final", "closed"):
        await drop_buttons(update, context)


def _ask_comment(
    context: KefuContext, kind: str, target: int, *, until: datetime | None = None
) -> None:
    assert context.user_data is not None
    until = until or context.kefu.clock.now() + COMMENT_WINDOW
    context.user_data[COMMENT] = {"kind": kind, "id": target, "until": until}


# --- after a ticket -----------------------------------------------------------------------------


async def ticket_star(update: Update, context: KefuContext, button: SurveyButton) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    kefu, score = context.kefu, button.value
    now = kefu.clock.now()
    comment_until: datetime | None = None
    async with kefu.db.unit_of_work() as session:
        found = await surveys.with_ticket(session, button.target, for_update=True)
        if found is None or found[1].customer.telegram_id != user.id or score not in CSAT_SCORES:
            verdict: Verdict | None = Verdict("invalid")
        else:
            survey, ticket = found
            verdict = _judge(
                now=now,
                expires_at=survey.expires_at,
                answered_at=survey.answered_at,
                same=survey.score == score,
            )
            # The same star again, before any comment: either a double tap or this press
            # handled again after a crash (handling is at least once), when the first handling
            # may have told the customer "tell us more" without the prompt being kept. Either
            # way the customer expects their next words to be the comment.
            comment_until = (
                survey.answered_at + COMMENT_WINDOW
                if verdict is not None
                and verdict.kind == "same"
                and survey.comment is None
                and survey.answered_at is not None
                else None
            )
            if verdict is None:
                actor = Actor.customer(ticket.customer)
                previous = await surveys.record_score(
                    session, survey, ticket, score, actor=actor, now=now
                )
                verdict = Verdict("recorded", first=previous is None)
                number = ticket.number
    if verdict.kind != "recorded":
        await _refuse(update, context, verdict)
        if comment_until is not None and comment_until > now and not _asked(context, button):
            # Not asked in this process's memory: the first handling died before its state
            # was written, maybe before its question went out. Ask (again): a repeat is
            # better than a customer told nothing, whose comment would reopen the ticket.
            _ask_comment(context, "ticket", button.target, until=comment_until)
            await _tell_more(query.get_bot(), user.id, context)
        return
    await answer(update, context, context.t.t("Thank you!"))
    await edit_pressed(
        update,
        context,
        text=ticket_question(context.t, number, chosen=score),
        html_text=True,
        markup=ticket_keyboard(button.target),
    )
    if score <= kefu.config.surveys.low_score_threshold:
        await csat.alert_low_score(context.bot, kefu, button.target)
    if verdict.first:
        _ask_comment(context, "ticket", button.target)
        await _tell_more(query.get_bot(), user.id, context)


def _asked(context: KefuContext, button: SurveyButton) -> bool:
    prompt = (context.user_data or {}).get(COMMENT)
    return (
        isinstance(prompt, dict)
        and prompt.get("kind") == "ticket"
        and prompt.get("id") == button.target
    )


async def _tell_more(bot: Bot, user_id: int, context: KefuContext) -> None:
    await bot.send_message(
        user_id,
        context.t.t(
            "Thank you for your rating! If you like, tell us more about it: just type it here."
        ),
        reply_markup=no_comment_keyboard(context.t),
    )


# --- campaigns ----------------------------------------------------------------------------------


async def campaign_answer(update: Update, context: KefuContext, button: SurveyButton) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    kefu, value = context.kefu, button.value
    now = kefu.clock.now()
    async with kefu.db.read_only() as session:
        visit = await visits.visit(session, button.target)
    if visit is not None:
        await visit_answer(update, context, button, visit)
        return
    async with kefu.db.unit_of_work() as session:
        found = await campaigns.recipient(session, button.target)
        if found is None or found[2] != user.id:
            verdict: Verdict | None = Verdict("invalid")
        else:
            row, campaign, _ = found
            kind, texts = campaign.kind, dict(campaign.texts)
            verdict = (
                Verdict("invalid")
                if not valid_answer(kind, texts, value)
                else _judge(
                    now=now,
                    expires_at=(row.sent_at or now) + CAMPAIGN_ANSWERS_FOR,
                    answered_at=row.answered_at,
                    same=row.answer == value,
                )
            )
            if verdict is None:
                verdict = Verdict("recorded", first=row.answered_at is None)
                await campaigns.record_answer(session, row, value, now=now)
    if verdict.kind != "recorded":
        await _refuse(update, context, verdict)
        return
    await answer(update, context, context.t.t("Thank you!"))
    await edit_pressed(
        update,
        context,
        text=answered_text(context.t, kind, texts, value),
        markup=campaign_keyboard(context.t, kind, texts, button.target),
    )
    follow_up = follow_up_question(context.t, kind)
    if verdict.first and follow_up is not None:
        _ask_comment(context, "campaign", button.target)
        await query.get_bot().send_message(
            user.id, follow_up, reply_markup=no_comment_keyboard(context.t)
        )


# --- follow-up visits ---------------------------------------------------------------------------


def _judge_visit(visit: Visit, user_id: int, value: int, *, now: datetime) -> Verdict:
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
    refused = _judge(
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
    verdict = _judge_visit(visit, user.id, value, now=now)
    if verdict.kind != "recorded":
        await _refuse(update, context, verdict)
        return
    back = (
        await repeats.problem_back(query.get_bot(), kefu, visit) if value == PROBLEM_BACK else None
    )
    async with kefu.db.unit_of_work() as session:
        locked = await visits.visit(session, button.target, for_update=True)
        if locked is not None and locked.row.answer != value:  # else a racing press did it
            await visits.record_answer(session, locked, value, now=now)
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
        await query.get_bot().send_message(user.id, _problem_back_words(context, back))
    elif verdict.first:
        _ask_comment(context, "visit", button.target)
        await query.get_bot().send_message(
            user.id,
            t.t("Thank you! Would you like to tell us more? Just type it here."),
            reply_markup=no_comment_keyboard(t),
        )


def _problem_back_words(context: KefuContext, back: ProblemBack) -> str:
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


async def stop_campaigns(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    kefu = context.kefu
    if context.customer_id is not None:
        async with kefu.db.unit_of_work() as session:
            customer = await customers.get(session, context.customer_id)
            if customer is not None:
                await customers.set_campaigns_opt_out(
                    session, customer, True, now=kefu.clock.now()
                )
    await answer(update, context)
    await drop_buttons(update, context)
    await query.get_bot().send_message(
        query.from_user.id,
        context.t.t(
            "Done: we will not send you surveys like this any more. You can still write to us "
            "here whenever you need help."
        ),
    )


# --- comments -----------------------------------------------------------------------------------


async def no_comment(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None and context.user_data is not None
    context.user_data.pop(COMMENT, None)
    await answer(update, context, context.t.t("Thank you!"))
    await drop_buttons(update, context)


def _pending_comment(context: KefuContext) -> dict[str, Any] | None:
    data = context.user_data
    prompt = data.get(COMMENT) if data is not None else None
    if not isinstance(prompt, dict):
        return None
    # A comment is personal: without consent (withdrawn meanwhile) the text is not taken as
    # one, and goes on to the main group's consent gate.
    if prompt["until"] < context.kefu.clock.now() or not context.consented:
        assert data is not None
        data.pop(COMMENT, None)
        return None
    try:
        draft(context)
    except LookupError:
        return prompt
    return None  # a guided flow is under way: the text is its answer


async def on_text(update: Update, context: KefuContext) -> None:
    prompt = _pending_comment(context)
    message = update.effective_message
    if prompt is None or message is None or not message.text:
        return  # not a comment: the main group handles it
    assert context.user_data is not None
    comment = message.text.strip()[:MAX_COMMENT]
    kefu = context.kefu
    async with kefu.db.unit_of_work() as session:
        if prompt["kind"] == "ticket":
            found = await surveys.with_ticket(session, prompt["id"], for_update=True)
            if found is not None:
                survey, ticket = found
                await surveys.record_comment(
                    session,
                    survey,
                    ticket,
                    comment,
                    actor=Actor.customer(ticket.customer),
                    now=kefu.clock.now(),
                )
        elif prompt["kind"] == "visit":
            visit = await visits.visit(session, prompt["id"], for_update=True)
            if visit is not None:
                await visits.record_comment(session, visit, comment, now=kefu.clock.now())
        else:
            row = await campaigns.recipient(session, prompt["id"])
            if row is not None:
                await campaigns.record_comment(session, row[0], comment)
    context.user_data.pop(COMMENT, None)
    await message.reply_text(context.t.t("Thank you for your feedback!"))
    if prompt["kind"] == "ticket":
        await csat.post_comment(context.bot, kefu, prompt["id"])
    raise ApplicationHandlerStop


# --- wiring -------------------------------------------------------------------------------------


async def on_button(update: Update, context: KefuContext) -> None:
    query = update.callback_query
    assert query is not None
    button = SurveyButton.parse(query.data)
    if button is None:
        await answer(update, context, context.t.t("This button is no longer valid."))
    elif button.action == Action.TICKET:
        await ticket_star(update, context, button)
    elif button.action == Action.CAMPAIGN:
        await campaign_answer(update, context, button)
    elif button.action == Action.NO_COMMENT:
        await no_comment(update, context)
    elif button.action == Action.STOP:
        await stop_campaigns(update, context)
    else:
        await answer(update, context, context.t.t("This is a preview: nothing is recorded."))
    raise ApplicationHandlerStop


def build_handlers() -> list[BaseHandler]:
    """For their own group between the middleware and the main group (see module doc)."""
    return [
        CallbackQueryHandler(on_button, pattern=PATTERN),
        MessageHandler(TEXT & NEW, on_text),
    ]
