"""What an emergency's alerts say and where they go, for the SLA scanner that delivers them.

An emergency's alerts are `sla_alerts` rows (timer "emergency", see `domain.desk.emergency`):
claimed with the change that caused them, delivered by `domain.sla.alerts.deliver_pending`
like breaches, destination by destination, so a crash resumes where it stopped and a second
instance's claim is a no-op. "raised" goes to the ticket's topic, the staff group's General
topic, the escalation chat (mentioning whoever the rota puts on duty) and the customer; "cause"
asks the topic, after resolution, for the cause and the preventive measure.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from bot.business_config import StaffRef
from bot.i18n import Translator
from bot.services import Kefu
from domain.desk.card import customer_translator, staff_translator
from domain.desk.emergency import ASK_CAUSE, RAISED, TIMER, needs_analysis, on_duty
from domain.desk.wording import type_name
from storage.models import SlaAlert, Ticket

MARK = "🚨"
# A customer's emergency is claimed before its topic exists (the ticket is announced just
# after): the alarm waits this long for the topic, then goes out without it.
TOPIC_GRACE = timedelta(seconds=60)

Destination = tuple[int, int | None, str]  # chat, topic, HTML text


def is_emergency_alert(alert: SlaAlert) -> bool:
    return alert.timer == TIMER


def still_due(alert: SlaAlert, ticket: Ticket) -> bool:
    """The alarm while the ticket needs someone; the question while an answer is missing."""
    if alert.level == RAISED:
        return ticket.status.is_active
    return alert.level == ASK_CAUSE and needs_analysis(ticket)


def ready(alert: SlaAlert, ticket: Ticket, now: datetime) -> bool:
    """Whether to deliver now: once the ticket has its topic, or it waited long enough."""
    return ticket.staff_topic_id is not None or now - alert.alert_at >= TOPIC_GRACE


def destinations(kefu: Kefu, alert: SlaAlert, ticket: Ticket) -> list[Destination]:
    """(chat, topic, text) in a fixed order, so `SlaAlert.delivered` can count them."""
    t = staff_translator(kefu)
    topic = (ticket.staff_chat_id, ticket.staff_topic_id)
    found: list[Destination] = []
    if alert.level == ASK_CAUSE:
        if topic[0] is not None and topic[1] is not None:
            found.append((topic[0], topic[1], cause_question(t, ticket)))
        return found
    staff_line = alarm(kefu, t, ticket, alert.alert_at)
    group = ticket.staff_chat_id or kefu.settings.staff_chat_id
    if topic[0] is not None and topic[1] is not None:
        found.append((topic[0], topic[1], staff_line))
    if group is not None:
        found.append((group, None, staff_line))
    escalation = kefu.config.sla.escalation_chat_id
    if escalation is not None and escalation != group:
        found.append((escalation, None, staff_line))
    customer = ticket.customer
    if ticket.personal_data_erased_at is None and customer.unreachable_at is None:
        found.append((customer.telegram_id, None, customer_notice(kefu, ticket)))
    return found


def mention(person: StaffRef) -> str:
    """A link Telegram turns into a notification (an id), or the @username itself."""
    if isinstance(person, int):
        return f'<a href="tg://user?id={person}">{person}</a>'
    return html.escape(person)


def alarm(kefu: Kefu, t: Translator, ticket: Ticket, raised: datetime) -> str:
    """The staff alarm (HTML): the ticket, who is on duty, and the emergency's deadlines."""
    local = raised.astimezone(kefu.timezone)
    duty = ", ".join(mention(person) for person in on_duty(kefu.config.emergency, local))
    values = {
        "number": html.escape(ticket.number),
        "type": html.escape(type_name(t, ticket.type)),
        "response": _due(kefu, t, ticket.first_response_due_at),
        "resolution": _due(kefu, t, ticket.resolution_due_at),
    }
    if duty:
        line = t.t(
            "Emergency {number} ({type}): on duty {staff}, please act now. First response due "
            "{response}, resolution due {resolution}.",
            staff=duty,
            **values,
        )
    else:
        line = t.t(
            "Emergency {number} ({type}): nobody is on the emergency rota now, whoever sees "
            "this please act. First response due {response}, resolution due {resolution}.",
            **values,
        )
    return f"{MARK} {line}"


def customer_notice(kefu: Kefu, ticket: Ticket) -> str:
    """What the customer is told: what happens next, and by when (in their language)."""
    t = customer_translator(kefu, ticket.customer)
    due = ticket.first_response_due_at
    if due is None:
        line = t.t(
            "We are treating your request {number} as an emergency: our on-duty team has been "
            "alerted and will contact you here as soon as possible.",
            number=ticket.number,
        )
    else:
        line = t.t(
            "We are treating your request {number} as an emergency: our on-duty team has been "
            "alerted and will contact you here by {due}. If it is safe, turn off the water or "
            "power supply to the appliance meanwhile.",
            number=ticket.number,
            due=t.format_time(due, kefu.timezone),
        )
    return f"{MARK} {html.escape(line)}"


def cause_question(t: Translator, ticket: Ticket) -> str:
    line = t.t(
        "Emergency {number} is resolved. What caused it, and what will keep it from happening "
        "again? Send /cause followed by the cause and /prevent followed by the measure, here.",
        number=ticket.number,
    )
    return f"{MARK} {html.escape(line)}"


def record_text(t: Translator, alert: SlaAlert, ticket: Ticket) -> str:
    """The line the ticket's service record keeps once the alert is out (plain text)."""
    if alert.level == ASK_CAUSE:
        return t.t("Asked staff for the emergency's cause and prevention.")
    return t.t("Emergency alert sent to the staff desk and the customer.")


def _due(kefu: Kefu, t: Translator, moment: datetime | None) -> str:
    return "—" if moment is None else t.format_time(moment, kefu.timezone)
