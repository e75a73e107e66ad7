"""What became of a survey button's press, shared by the stars after a ticket, campaign answers
and follow-up visits: recorded (a first answer or a change inside `CHANGE_WINDOW`), or one of
the polite refusals; and asking for the comment that may follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Update

from bot.context import KefuContext
from handlers.common.answers import answer, drop_buttons

# user_data: {"kind": "ticket" | "campaign" | "visit", "id": int, "until": datetime}
COMMENT = "survey_comment"
# user_data: the id of the last message taken as a comment. Handling is at least once: a kill
# after the step was written (the prompt gone) but before the update was marked handled brings
# the comment again, and without this it would pass for a follow-up and reopen the ticket.
COMMENT_TAKEN = "survey_comment_taken"
COMMENT_WINDOW = timedelta(minutes=15)
CHANGE_WINDOW = timedelta(days=1)
CAMPAIGN_ANSWERS_FOR = timedelta(days=14)
MAX_COMMENT = 2000


@dataclass(frozen=True)
class Verdict:
    """What became of a press: `recorded` (first answer or a change), or why not."""

    kind: str  # "recorded", "same", "final", "closed", "invalid"
    first: bool = False


def judge(
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


async def refuse(update: Update, context: KefuContext, verdict: Verdict) -> None:
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


def ask_comment(
    context: KefuContext, kind: str, target: int, *, until: datetime | None = None
) -> None:
    assert context.user_data is not None
    until = until or context.kefu.clock.now() + COMMENT_WINDOW
    context.user_data[COMMENT] = {"kind": kind, "id": target, "until": until}
