"""Return or exchange: order, delivery date, reason, refund or exchange, photos, verdict."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import CallbackQueryHandler, ConversationHandler, MessageHandler

from bot.context import KefuContext
from domain.desk.lifecycle import TicketDraft
from domain.rules.dates import DateInputError, parse_customer_date
from domain.rules.references import is_reference
from domain.rules.returns import Resolution, ReturnReason, Verdict, return_eligibility
from handlers.common.buttons import MENU_RETURN, Button
from handlers.common.flow import (
    NEW_TEXT,
    Flow,
    Step,
    draft,
    keyboard,
    reply,
    say,
    start_draft,
    text_answer,
)
from handlers.common.intake import open_ticket
from handlers.common.wording import date_problem_text
from storage.enums import TicketType


class Returns(IntEnum):
    ORDER = auto()
    DELIVERY_DATE = auto()
    REASON = auto()
    RESOLUTION = auto()
    PHOTOS = auto()
    CONFIRM = auto()


REASON = Button("returns", "reason", ReturnReason)
RESOLUTION = Button("returns", "resolution", Resolution)
CONFIRM: Button[Any] = Button("returns", "confirm")
EDITABLE = {
    "order": Returns.ORDER,
    "date": Returns.DELIVERY_DATE,
    "reason": Returns.REASON,
    "resolution": Returns.RESOLUTION,
}


def reason_name(context: KefuContext, reason: ReturnReason) -> str:
    t = context.t.t
    return {
        ReturnReason.QUALITY: t("Quality problem"),
        ReturnReason.WRONG_ITEM: t("Wrong item sent"),
        ReturnReason.NOT_AS_DESCRIBED: t("Not as described"),
        ReturnReason.CHANGED_MIND: t("Changed my mind"),
        ReturnReason.OTHER: t("Other reason"),
    }[reason]


def resolution_name(context: KefuContext, resolution: Resolution) -> str:
    t = context.t.t
    return {Resolution.REFUND: t("Refund"), Resolution.EXCHANGE: t("Exchange")}[resolution]


def verdict_text(context: KefuContext, verdict: Verdict, last_day: str) -> str:
    t = context.t.t
    return {
        Verdict.NO_REASON_WINDOW: t(
            "Eligible: you are within the no-reason return period (until {date}).", date=last_day
        ),
        Verdict.QUALITY_WINDOW: t(
            "Eligible: an exchange for a quality problem is possible until {date}.", date=last_day
        ),
        Verdict.QUALITY_REFUND_WINDOW_PASSED: t(
            "The refund period ended on {date}, but an exchange is still possible. Our team "
            "will review your request.",
            date=last_day,
        ),
        Verdict.WINDOW_PASSED: t(
            "The return and exchange period ended on {date}. Our team will still review your "
            "request and may make an exception.",
            date=last_day,
        ),
    }[verdict]


async def ask_order(update: Update, context: KefuContext) -> None:
    await say(
        update, context, context.t.t("Please type your order number."), keyboard(context, [])
    )


async def ask_delivery_date(update: Update, context: KefuContext) -> None:
    await say(
        update,
        context,
        context.t.t("On which date was it delivered? For example 2025-03-01 or 2025年3月1日."),
        keyboard(context, []),
    )


async def ask_reason(update: Update, context: KefuContext) -> None:
    rows = [
        [InlineKeyboardButton(reason_name(context, r), callback_data=REASON.data(r))]
        for r in ReturnReason
    ]
    await say(
        update, context, context.t.t("Why do you want to return it?"), keyboard(context, rows)
    )


async def ask_resolution(update: Update, context: KefuContext) -> None:
    rows = [
        [
            InlineKeyboardButton(resolution_name(context, r), callback_data=RESOLUTION.data(r))
            for r in Resolution
        ]
    ]
    await say(
        update,
        context,
        context.t.t("Would you like a refund or an exchange?"),
        keyboard(context, rows),
    )


def _assess(context: KefuContext) -> None:
    answers = draft(context).answers
    if not {"delivered", "reason", "resolution"} <= answers.keys():
        return
    windows = context.kefu.config.returns
    today = context.kefu.clock.now().astimezone(context.kefu.timezone).date()
    answers["eligibility"] = return_eligibility(
        answers["delivered"],
        today,
        ReturnReason(answers["reason"]),
        Resolution(answers["resolution"]),
        no_reason_days=windows.no_reason_return_days,
        quality_days=windows.quality_exchange_days,
    )


async def ask_confirm(update: Update, context: KefuContext) -> None:
    answers = draft(context).answers
    eligibility = answers["eligibility"]
    t = context.t.t
    lines = [
        t("Please check your request:"),
        "",
        t("Order number: {value}", value=answers["order"]),
        t("Delivery date: {value}", value=answers["delivered"].isoformat()),
        t("Reason: {value}", value=reason_name(context, ReturnReason(answers["reason"]))),
        t("You want: {value}", value=resolution_name(context, Resolution(answers["resolution"]))),
        context.t.tn(
            "{n} file attached", "{n} files attached", len(answers.get("attachments", []))
        ),
        "",
        verdict_text(context, eligibility.verdict, eligibility.last_day.isoformat()),
    ]
    rows = [
        [InlineKeyboardButton(t("Confirm and send"), callback_data=CONFIRM.data())],
        [
            InlineKeyboardButton(
                t("Edit order number"), callback_data=FLOW.edit_button.data("order")
            ),
            InlineKeyboardButton(t("Edit date"), callback_data=FLOW.edit_button.data("date")),
        ],
        [
            InlineKeyboardButton(t("Edit reason"), callback_data=FLOW.edit_button.data("reason")),
            InlineKeyboardButton(
                t("Edit choice"), callback_data=FLOW.edit_button.data("resolution")
            ),
        ],
    ]
    await say(update, context, "\n".join(lines), keyboard(context, rows))


async def begin(update: Update, context: KefuContext) -> int:
    start_draft(context, "returns")
    return await FLOW.goto(update, context, Returns.ORDER)


async def got_order(update: Update, context: KefuContext) -> int:
    value = " ".join(text_answer(update).split())
    if not is_reference(value):
        await reply(
            update,
            context.t.t(
                "That does not look like an order number: use 3 to 40 letters, digits or "
                "dashes, as shown in your order confirmation."
            ),
        )
        return await FLOW.goto(update, context, Returns.ORDER)
    draft(context).answers["order"] = value
    return await FLOW.proceed(update, context, Returns.DELIVERY_DATE)


async def got_delivery_date(update: Update, context: KefuContext) -> int:
    today = context.kefu.clock.now().astimezone(context.kefu.timezone).date()
    try:
        delivered = parse_customer_date(text_answer(update), today)
    except DateInputError as error:
        await reply(update, date_problem_text(context, error.problem))
        return await FLOW.goto(update, context, Returns.DELIVERY_DATE)
    draft(context).answers["delivered"] = delivered
    _assess(context)
    return await FLOW.proceed(update, context, Returns.REASON)


async def got_reason(update: Update, context: KefuContext) -> int:
    reason = REASON.value(update)
    if reason not in set(ReturnReason):
        return await FLOW.again(update, context)
    draft(context).answers["reason"] = reason
    _assess(context)
    return await FLOW.proceed(update, context, Returns.RESOLUTION)


async def got_resolution(update: Update, context: KefuContext) -> int:
    resolution = RESOLUTION.value(update)
    if resolution not in set(Resolution):
        return await FLOW.again(update, context)
    draft(context).answers["resolution"] = resolution
    _assess(context)
    return await FLOW.proceed(update, context, Returns.PHOTOS)


async def confirm(update: Update, context: KefuContext) -> int:
    answers = draft(context).answers
    eligibility = answers["eligibility"]
    resolution = Resolution(answers["resolution"])
    ticket_draft = TicketDraft(
        type=TicketType.EXCHANGE if resolution is Resolution.EXCHANGE else TicketType.RETURN,
        order_number=answers["order"],
        delivery_date=answers["delivered"],
        description=reason_name(context, ReturnReason(answers["reason"])),
        details={
            "reason": answers["reason"],
            "resolution": resolution.value,
            "eligible": eligibility.eligible,
            "verdict": eligibility.verdict.value,
            "window_last_day": eligibility.last_day.isoformat(),
        },
        attachments=answers.get("attachments", []),
    )
    return await open_ticket(update, context, ticket_draft)


FLOW = Flow("returns", summary=Returns.CONFIRM)
FLOW.steps = {
    Returns.ORDER: Step(ask_order, [MessageHandler(NEW_TEXT, got_order)]),
    Returns.DELIVERY_DATE: Step(ask_delivery_date, [MessageHandler(NEW_TEXT, got_delivery_date)]),
    Returns.REASON: Step(ask_reason, [CallbackQueryHandler(got_reason, pattern=REASON.pattern)]),
    Returns.RESOLUTION: Step(
        ask_resolution, [CallbackQueryHandler(got_resolution, pattern=RESOLUTION.pattern)]
    ),
    Returns.PHOTOS: FLOW.files_step(Returns.PHOTOS, Returns.CONFIRM),
    Returns.CONFIRM: Step(
        ask_confirm,
        [
            CallbackQueryHandler(confirm, pattern=CONFIRM.pattern),
            FLOW.edit_handler(EDITABLE),
        ],
    ),
}


def build_handler(timeout_minutes: float) -> ConversationHandler:
    return FLOW.build(FLOW.entry_points(begin, MENU_RETURN, "return"), timeout_minutes)
