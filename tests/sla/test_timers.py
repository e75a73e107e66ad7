"""A ticket's SLA timers as values: what each change does to them, and when they alert."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.sla.calendar import ClockKind
from domain.sla.durations import SlaDuration, parse_duration
from domain.sla.timers import (
    AlertPoint,
    Change,
    SlaState,
    TicketFacts,
    Timer,
    WarningRules,
    alert_points,
    due_points,
    next_alert_after,
    recompute,
)
from storage.enums import TicketStatus
from tests.sla.calendars import OFFICE, SHANGHAI_24_7

OPEN, WAITING = TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER
RESOLVED, CLOSED = TicketStatus.RESOLVED, TicketStatus.CLOSED
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
RULES = WarningRules(at_percent=(75,), before=(timedelta(minutes=30),))
H, M = timedelta(hours=1), timedelta(minutes=1)
FR, RES = Timer.FIRST_RESPONSE, Timer.RESOLUTION


@dataclass(frozen=True)
class Policy:
    clock: ClockKind = ClockKind.CALENDAR
    first_response: SlaDuration | None = None
    resolution: SlaDuration | None = None


NORMAL = Policy(first_response=parse_duration("2h"), resolution=parse_duration("8h"))
URGENT = Policy(first_response=parse_duration("30m"), resolution=parse_duration("4h"))
RESOLUTION_ONLY = Policy(resolution=parse_duration("8h"))
NOTHING = Change()


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def run(
    state: SlaState,
    facts: TicketFacts,
    change: Change = NOTHING,
    *,
    now: datetime,
    policy: Policy | None = NORMAL,
    calendar=SHANGHAI_24_7,
) -> SlaState:
    return recompute(state, facts, change, now=now, policy=policy, rules=RULES, calendar=calendar)


def opened(policy: Policy = NORMAL, *, calendar=SHANGHAI_24_7) -> tuple[SlaState, TicketFacts]:
    facts = TicketFacts(OPEN, created_at=T0)
    return run(
        SlaState(), facts, Change(created=True), now=T0, policy=policy, calendar=calendar
    ), (facts)


def test_a_new_ticket_starts_both_timers_and_looks_at_the_earliest_warning():
    state, _ = opened()

    assert (state.first_response_due_at, state.resolution_due_at) == (at(2), at(8))
    assert (state.sla_version, state.first_response_version, state.resolution_version) == (1, 1, 1)
    # first response: 75 % of 2 h = 1 h 30 min, and 30 min before = also 1 h 30 min
    assert state.next_alert_at == at(1.5)


@pytest.mark.parametrize(
    ("policy", "first_due", "resolution_due", "next_alert"),
    [
        (NORMAL, at(2), at(8), at(1.5)),
        (URGENT, at(0.5), at(4), at(0.375)),  # 75 % of 30 min; "30 min before" is at the start
        (RESOLUTION_ONLY, None, at(8), at(6)),
        (Policy(first_response=parse_duration("1h")), at(1), None, at(0.5)),
        (Policy(), None, None, None),
        (None, None, None, None),
    ],
)
def test_the_policy_decides_which_timers_run(policy, first_due, resolution_due, next_alert):
    state, _ = opened(policy)

    assert (state.first_response_due_at, state.resolution_due_at) == (first_due, resolution_due)
    assert state.next_alert_at == next_alert


def test_business_hours_deadlines_skip_the_night():
    policy = Policy(ClockKind.BUSINESS, parse_duration("2h"), parse_duration("1wd"))

    state, _ = opened(policy, calendar=OFFICE)

    assert state.first_response_due_at == at(2)  # Monday 11:00 Shanghai
    assert state.resolution_due_at == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # Tue 18:00


def test_the_first_response_stops_its_timer_and_keeps_the_resolution_timer():
    state, facts = opened()

    answered = run(state, replace(facts, first_response_at=at(1)), now=at(1))

    assert answered.first_response_due_at is None
    assert answered.resolution_due_at == at(8)
    assert answered.sla_version == state.sla_version  # no new deadline
    assert answered.next_alert_at == at(6)  # resolution: 75 % of 8 h


@pytest.mark.parametrize(
    ("paused_at", "resumed_at", "resolution_due"),
    [
        (at(1), at(3), at(10)),  # two hours waiting push the deadline two hours
        (at(1), at(1), at(8)),  # a reply at once changes nothing
        (at(9), at(12), at(8)),  # paused after the deadline: stays breached
    ],
)
def test_waiting_on_the_customer_pauses_resolution_and_a_reply_resumes_it(
    paused_at, resumed_at, resolution_due
):
    state, facts = opened(RESOLUTION_ONLY)

    paused = run(state, replace(facts, status=WAITING), now=paused_at, policy=RESOLUTION_ONLY)
    assert paused.resolution_paused_at == paused_at
    assert paused.resolution_due_at == at(8)
    assert paused.next_alert_at is None  # nothing runs while waiting

    resumed = run(paused, facts, now=resumed_at, policy=RESOLUTION_ONLY)
    assert resumed.resolution_paused_at is None
    assert resumed.resolution_due_at == resolution_due
    moved = resolution_due != at(8)
    assert resumed.resolution_version == (state.resolution_version + 1 if moved else 1)


def test_after_a_pause_warnings_keep_their_share_of_the_whole_target():
    state, facts = opened(RESOLUTION_ONLY)
    paused = run(state, replace(facts, status=WAITING), now=at(2), policy=RESOLUTION_ONLY)

    resumed = run(paused, facts, now=at(5), policy=RESOLUTION_ONLY)  # 2 h used; 3 h waiting

    points = alert_points(
        resumed, facts, clock=ClockKind.CALENDAR, rules=RULES, calendar=SHANGHAI_24_7
    )
    assert [(p.level, p.at) for p in points] == [
        ("warn75", at(9)),  # 6 h of 8 used: 2 h before the pause, 4 h after it
        ("warn-30m", at(10.5)),
        ("breach", at(11)),
    ]


def test_a_priority_change_recomputes_running_deadlines_from_the_start():
    state, facts = opened()

    urgent = run(state, facts, Change(policy_changed=True), now=at(0.25), policy=URGENT)

    assert (urgent.first_response_due_at, urgent.resolution_due_at) == (at(0.5), at(4))
    assert urgent.sla_version == state.sla_version + 1
    assert urgent.first_response_version == urgent.resolution_version == urgent.sla_version


def test_a_priority_change_past_a_warning_looks_at_it_at_once():
    state, facts = opened()

    urgent = run(state, facts, Change(policy_changed=True), now=at(0.45), policy=URGENT)

    assert urgent.next_alert_at == at(0.375)  # already past: the scanner warns now


def test_reopening_restarts_both_timers_from_the_reopening():
    state, facts = opened()
    resolved = run(state, replace(facts, status=RESOLVED), now=at(1))

    reopened = run(resolved, replace(facts, reopened_at=at(30)), Change(reopened=True), now=at(30))

    assert (reopened.first_response_due_at, reopened.resolution_due_at) == (at(32), at(38))
    assert reopened.sla_version == state.sla_version + 1
    assert reopened.next_alert_at == at(31.5)


@pytest.mark.parametrize("status", [RESOLVED, CLOSED])
def test_resolved_and_closed_tickets_have_no_running_timers(status):
    state, facts = opened()

    done = run(state, replace(facts, status=status), now=at(1))

    assert done.first_response_due_at is None and done.resolution_due_at is None
    assert done.next_alert_at is None
    assert (
        alert_points(done, facts, clock=ClockKind.CALENDAR, rules=RULES, calendar=SHANGHAI_24_7)
        == []
    )


def test_nothing_changes_when_nothing_happened():
    state, facts = opened()
    scanned = replace(state, next_alert_at=at(6))  # the scanner moved on to a later alert

    assert run(scanned, facts, now=at(2)) is scanned


def test_a_ticket_tracked_for_the_first_time_gets_its_timers():
    facts = TicketFacts(OPEN, created_at=T0)

    state = run(SlaState(), facts, now=at(1))

    assert (state.first_response_due_at, state.resolution_due_at) == (at(2), at(8))


@pytest.mark.parametrize(
    ("first_response_at", "next_alert"),
    [
        (None, at(1.5)),  # the first response's warnings come first
        (at(0.1), at(6)),  # answered: the resolution's 75 % is next
    ],
)
def test_next_alert_at_is_the_earliest_pending_level(first_response_at, next_alert):
    facts = TicketFacts(OPEN, created_at=T0, first_response_at=first_response_at)

    state = run(SlaState(), facts, Change(created=True), now=T0)

    assert state.next_alert_at == next_alert


def point(timer: Timer, level: str, hours: float) -> AlertPoint:
    return AlertPoint(timer, level, at(hours), at(2), 1)


@pytest.mark.parametrize(
    ("now", "claimed", "expected"),
    [
        (at(1), set(), []),
        (at(1.6), set(), [("warn75", True)]),
        (at(1.6), {("first_response", "warn75", 1)}, []),
        (at(1.8), set(), [("warn75", False), ("warn-15m", True)]),  # after an outage: latest
        (at(3), set(), [("warn75", False), ("warn-15m", False), ("breach", True)]),
        (at(3), {("first_response", "warn75", 1)}, [("warn-15m", False), ("breach", True)]),
    ],
)
def test_only_the_most_serious_due_alert_of_a_timer_is_sent(now, claimed, expected):
    points = [point(FR, "warn75", 1.5), point(FR, "warn-15m", 1.75), point(FR, "breach", 2)]

    chosen = due_points(points, now, claimed)

    assert [(p.level, send) for p, send in chosen] == expected


def test_after_claiming_the_scanner_looks_at_the_next_level():
    points = [point(FR, "warn75", 1.5), point(FR, "breach", 2), point(RES, "warn75", 6)]

    assert next_alert_after(points, at(1.5)) == at(2)
    assert next_alert_after(points, at(2)) == at(6)
    assert next_alert_after(points, at(7)) is None
