"""Customers answering surveys: stars after a ticket, campaign answers, follow-up visits,
comments, opting out.

These handlers live in their own group (`SURVEYS_GROUP` in bot/app.py), after the middleware
and before the main group. A survey button therefore works even while a guided flow is open,
and ends the update there (`ApplicationHandlerStop`). A typed message is taken as a comment only
when one was asked for (`user_data[COMMENT]`, persisted with the rest of `user_data`), it is
still fresh and no flow is under way; otherwise it goes on to the main group untouched.

One answer per survey: it may be changed for `CHANGE_WINDOW` after the first answer; later
presses, and presses on expired surveys, are answered politely and change nothing.

A follow-up visit (回访) is a campaign answer about one ticket (`visits`); what became of a press
is judged alike for all three (`verdicts`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import Bot, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CallbackQueryHandler, MessageHandler
from telegram.ext import filters as tg_filters

from bot.context import KefuContext
from bot.metrics import SURVEY_ANSWERS
from domain.surveys import csat
from domain.surveys.buttons import PATTERN, Action, SurveyButton
from domain.surveys.questions import (
    CSAT_SCORES,
    answered_text,
    campaign_keyboard,
    follow_up_question,
    no_comment_keyboard,
    ticket_keyboard,
    ticket_question,
    valid_answer,
)
from handlers.common.answers import answer, drop_buttons
from handlers.common.edits import edit_pressed
from handlers.common.flow import draft
from handlers.customer.surveys import visits as visit_answers
from handlers.customer.surveys.verdicts import (
    CAMPAIGN_ANSWERS_FOR,
    COMMENT,
    COMMENT_TAKEN,
    COMMENT_WINDOW,
    MAX_COMMENT,
    Verdict,
    ask_comment,
    judge,
    refuse,
)
from storage import campaigns, customers, surveys, visits
from storage.events import Actor

TEXT = tg_filters.TEXT & ~tg_filters.COMMAND
NEW = ~tg_filters.UpdateType.EDITED


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
            verdict = judge(
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
    if verdict.kind == "recorded":
        SURVEY_ANSWERS.labels(survey="csat").inc()
    if verdict.kind != "recorded":
        await refuse(update, context, verdict)
        if comment_until is not None and comment_until > now and not _asked(context, button):
            # Not asked in this process's memory: the first handling died before its state
            # was written, maybe before its question went out. Ask (again): a repeat is
            # better than a customer told nothing, whose comment would reopen the ticket.
            ask_comment(context, "ticket", button.target, until=comment_until)
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
        ask_comment(context, "ticket", button.target)
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
        await visit_answers.visit_answer(update, context, button, visit)
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
                else judge(
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
        await refuse(update, context, verdict)
        return
    SURVEY_ANSWERS.labels(survey=kind).inc()
    await answer(update, context, context.t.t("Thank you!"))
    await edit_pressed(
        update,
        context,
        text=answered_text(context.t, kind, texts, value),
        markup=campaign_keyboard(context.t, kind, texts, button.target),
    )
    follow_up = follow_up_question(context.t, kind)
    if verdict.first and follow_up is not None:
        ask_comment(context, "campaign", button.target)
        await query.get_bot().send_message(
            user.id, follow_up, reply_markup=no_comment_keyboard(context.t)
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
    message = update.effective_message
    if message is not None and (context.user_data or {}).get(COMMENT_TAKEN) == message.message_id:
        raise ApplicationHandlerStop  # this comment, handled again after a crash: taken already
    prompt = _pending_comment(context)
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
    context.user_data[COMMENT_TAKEN] = message.message_id
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
