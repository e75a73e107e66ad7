"""/sla in the staff chat: tickets at risk of missing a target, and those that missed one.

"At risk" means a warning has come for the current deadline, or it is due within the widest
warning lead (`[sla] warn_before`). Each running timer is a line, soonest due first, with due
times in the business's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from telegram import Update
from telegram.constants import ParseMode

from bot.context import KefuContext
from domain.sla.timers import Timer
from domain.sla.wording import BREACH_MARK, WARNING_MARK, headline
from handlers.staff.gate import staff_words
from storage import sla as sla_store
from storage.models import Ticket

LIMIT = 30
DEFAULT_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class TimerLine:
    number: str
    timer: Timer
    due: datetime
    assignee: str | None

    def overdue(self, now: datetime) -> bool:
        return self.due <= now


def timer_lines(tickets: list[Ticket]) -> list[TimerLine]:
    """The running timers of `tickets`, soonest due first."""
    lines = []
    for ticket in tickets:
        if ticket.first_response_due_at is not None:
            lines.append(
                TimerLine(
                    ticket.number,
                    Timer.FIRST_RESPONSE,
                    ticket.first_response_due_at,
                    ticket.assignee_name,
                )
            )
        if ticket.resolution_due_at is not None and ticket.resolution_paused_at is None:
            lines.append(
                TimerLine(
                    ticket.number, Timer.RESOLUTION, ticket.resolution_due_at, ticket.assignee_name
                )
            )
    return sorted(lines, key=lambda line: (line.due, line.number))


async def show_sla(update: Update, context: KefuContext) -> None:
    message = update.effective_message
    if message is None:
        return
    kefu, t = context.kefu, staff_words(context)
    now = kefu.clock.now()
    window = max(kefu.config.sla.warn_lead_times, default=DEFAULT_WINDOW)
    async with kefu.db.read_only() as session:
        tickets = await sla_store.at_risk(session, now, within=window, limit=LIMIT)
    rows = [
        {
            "mark": BREACH_MARK if line.overdue(now) else WARNING_MARK,
            "number": line.number,
            "headline": headline(t, line.timer, line.due, now),
            "due": line.due,
            "assignee": line.assignee,
        }
        for line in timer_lines(tickets)
    ]
    text = t.render("sla_list.html.j2", rows=rows, tz=kefu.timezone, limited=len(tickets) == LIMIT)
    await message.reply_text(text, parse_mode=ParseMode.HTML)
