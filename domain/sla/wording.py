"""What SLA alerts and the /sla view say, in the staff language, with times in the business's
time zone. Whole sentences per case, so translators never glue fragments together."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from domain.sla.timers import BREACH, Timer

WARNING_MARK, BREACH_MARK = "⏳", "🚨"


@dataclass(frozen=True)
class AlertFacts:
    """One alert as staff read it: about which ticket and deadline, and seen at `now`."""

    number: str
    timer: Timer
    level: str
    due: datetime
    now: datetime
    assignee_name: str | None
    assignee_id: int | None

    @property
    def is_breach(self) -> bool:
        return self.level == BREACH


# Below this, spans are told to the second, so that two warnings a minute or so apart never
# read alike ("1 min 30 s", then "1 min"); above it, the minute is precise enough.
SECONDS_SHOWN_BELOW = timedelta(minutes=10)


def span_text(t: Translator, span: timedelta) -> str:
    """ "45 s", "1 min 30 s", "9 min" under 10 minutes (to the second, never below 1 s);
    "28 min", "2 h 5 min", "1 d 3 h" from there on (to the minute)."""
    seconds = max(1, round(span.total_seconds()))
    if seconds < SECONDS_SHOWN_BELOW.total_seconds():
        return _to_the_second(t, seconds)
    return _to_the_minute(t, round(span.total_seconds() / 60))


def _to_the_second(t: Translator, seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    if minutes and seconds:
        return t.t("{minutes} min {seconds} s", minutes=minutes, seconds=seconds)
    if minutes:
        return t.t("{minutes} min", minutes=minutes)
    return t.t("{seconds} s", seconds=seconds)


def _to_the_minute(t: Translator, minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        if hours:
            return t.t("{days} d {hours} h", days=days, hours=hours)
        return t.t("{days} d", days=days)
    if hours:
        if minutes:
            return t.t("{hours} h {minutes} min", hours=hours, minutes=minutes)
        return t.t("{hours} h", hours=hours)
    return t.t("{minutes} min", minutes=minutes)


def alert_line(t: Translator, alert: AlertFacts, tz: ZoneInfo, *, as_html: bool) -> str:
    """The one-line alert for the staff group's General topic and the escalation chat.

    With `as_html`, the assignee is mentioned (a link Telegram turns into a notification)."""
    due = t.format_time(alert.due, tz)
    number = alert.number
    name = alert.assignee_name or str(alert.assignee_id or "")
    if as_html and alert.assignee_id is not None:
        name = f'<a href="tg://user?id={alert.assignee_id}">{html.escape(name)}</a>'
    elif as_html:
        name = html.escape(name)
    assigned = alert.assignee_id is not None or bool(alert.assignee_name)
    if alert.is_breach:
        late = span_text(t, alert.now - alert.due)
        line = _breach_line(t, alert.timer, assigned, number=number, late=late, due=due, name=name)
        return f"{BREACH_MARK} {line}"
    left = span_text(t, alert.due - alert.now)
    line = _warning_line(t, alert.timer, assigned, number=number, left=left, due=due, name=name)
    return f"{WARNING_MARK} {line}"


def _warning_line(t: Translator, timer: Timer, assigned: bool, **values: str) -> str:
    if timer is Timer.FIRST_RESPONSE:
        if assigned:
            return t.t(
                "{number}: first response due in {left} ({due}), assigned to {name}.", **values
            )
        return t.t("{number}: first response due in {left} ({due}), unassigned.", **values)
    if assigned:
        return t.t("{number}: resolution due in {left} ({due}), assigned to {name}.", **values)
    return t.t("{number}: resolution due in {left} ({due}), unassigned.", **values)


def _breach_line(t: Translator, timer: Timer, assigned: bool, **values: str) -> str:
    if timer is Timer.FIRST_RESPONSE:
        if assigned:
            return t.t(
                "{number}: first response overdue by {late} (was due {due}), assigned to {name}.",
                **values,
            )
        return t.t(
            "{number}: first response overdue by {late} (was due {due}), unassigned.", **values
        )
    if assigned:
        return t.t(
            "{number}: resolution overdue by {late} (was due {due}), assigned to {name}.",
            **values,
        )
    return t.t("{number}: resolution overdue by {late} (was due {due}), unassigned.", **values)


def headline(t: Translator, timer: Timer, due: datetime, now: datetime) -> str:
    """ "First response due in 28 min" / "Resolution overdue by 1 h 5 min"."""
    if due <= now:
        late = span_text(t, now - due)
        if timer is Timer.FIRST_RESPONSE:
            return t.t("First response overdue by {late}", late=late)
        return t.t("Resolution overdue by {late}", late=late)
    left = span_text(t, due - now)
    if timer is Timer.FIRST_RESPONSE:
        return t.t("First response due in {left}", left=left)
    return t.t("Resolution due in {left}", left=left)


def topic_alert(t: Translator, alert: AlertFacts, tz: ZoneInfo) -> str:
    """The alert posted in the ticket's own topic (HTML)."""
    return t.render(
        "sla_alert.html.j2",
        mark=BREACH_MARK if alert.is_breach else WARNING_MARK,
        headline=headline(t, alert.timer, alert.due, alert.now),
        due=alert.due,
        tz=tz,
        assignee=alert.assignee_name,
    )
