"""`followups_done`, the repeat-problem rate and their rows in the report, on SQLite and
PostgreSQL.

The week of Monday 16 to Sunday 22 November 2026 (Asia/Shanghai), measured on 10 December with
the shipped visit days (repair and installation 7, complaint 3) and the shipped clauses. Each
visit goes through the outbox as the sender would take it (queued, claimed, then sent, failed
or given back); each expected value is worked out in `seed`'s comments.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import domain.care.visit_metrics  # noqa: F401  (registers the metric)
from bot.bootstrap import build_services
from bot.config import Settings
from bot.services import Kefu
from domain.reports.figures import report
from domain.reports.metrics import METRICS, Measurement, Scope
from domain.reports.periods import parse_period
from domain.reports.render import figures_json, render_compliance, render_text
from storage import customers, outbox, tickets, visits
from storage.enums import TicketStatus, TicketType
from storage.events import Actor
from storage.models import Customer
from storage.reports import Share
from storage.survey_models import DeliveryStatus

# What is measured here rests on the database (date comparisons, aggregates): run on both.
pytestmark = pytest.mark.both_databases

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)  # "last week" is 16-22 November
AS_OF = datetime(2026, 12, 10, 9, 0, tzinfo=ZONE)
LI = Actor.staff(2001, "Li Wei")


def at(day: int, hour: int, month: int = 11) -> datetime:
    """A moment of 2026 in Shanghai, as UTC."""
    return datetime(2026, month, day, hour, tzinfo=ZONE).astimezone(UTC)


@dataclass(frozen=True)
class Seeded:
    numbers: dict[str, str]  # T1 ... T8 -> ticket number
    customers: tuple[int, int]  # Alice's and Bob's ids


@pytest.fixture
async def kefu(database_url: str) -> AsyncIterator[Kefu]:
    services = await build_services(Settings(database_url=database_url))
    try:
        yield services
    finally:
        await services.db.dispose()


async def resolved(
    kefu: Kefu, customer_id: int, kind: TicketType, when: datetime
) -> tuple[int, str]:
    async with kefu.db.unit_of_work() as session:
        customer = await session.get(Customer, customer_id)
        assert customer is not None
        made = await tickets.create(session, customer, kind, now=when - timedelta(hours=2))
        await tickets.set_status(session, made, TicketStatus.RESOLVED, actor=LI, now=when)
        return made.id, made.number


async def seed(kefu: Kefu) -> Seeded:
    async with kefu.db.unit_of_work() as session:
        alice = await customers.get_or_create_by_telegram(session, 3001, now=at(1, 9))
        await customers.record_consent(session, alice, now=at(1, 9), first_name="Alice")
        bob = await customers.get_or_create_by_telegram(session, 3002, now=at(1, 9))
        await customers.record_consent(session, bob, now=at(1, 9), first_name="Bob")
        carol = await customers.get_or_create_by_telegram(session, 3003, now=at(1, 9))  # never
        ids = (alice.id, bob.id, carol.id)
    alice_id, bob_id, carol_id = ids
    made = {
        "T7": await resolved(kefu, alice_id, TicketType.REPAIR, at(9, 10)),  # the week before
        "T1": await resolved(kefu, alice_id, TicketType.REPAIR, at(16, 10)),
        "T2": await resolved(kefu, alice_id, TicketType.REPAIR, at(17, 10)),
        "T3": await resolved(kefu, bob_id, TicketType.COMPLAINT, at(18, 10)),
        "T4": await resolved(kefu, carol_id, TicketType.REPAIR, at(19, 10)),  # no consent
        "T5": await resolved(kefu, bob_id, TicketType.INSTALLATION, at(20, 10)),
        "T6": await resolved(kefu, alice_id, TicketType.CONSULTATION, at(20, 11)),  # no visit
        "T8": await resolved(kefu, alice_id, TicketType.REPAIR, at(22, 23)),  # Sunday night
    }
    by_ticket = {ticket_id: name for name, (ticket_id, _) in made.items()}
    async with kefu.db.unit_of_work() as session:
        # Every visit came due by 10 December; T4's is skipped at once, T6 has none.
        written = await visits.queue_due(
            session, now=AS_OF, days=kefu.config.care.followup_days, limit=100
        )
        assert written == 7
    async with kefu.db.unit_of_work() as session:
        claimed = await outbox.claim(session, worker="w", limit=100, lease=timedelta(minutes=1))
    rows = {by_ticket[d.ticket_id]: d.recipient_id for d in claimed if d.ticket_id}
    assert sorted(rows) == ["T1", "T2", "T3", "T5", "T7", "T8"]
    async with kefu.db.unit_of_work() as session:
        for name in ("T7", "T1", "T2", "T3"):
            await outbox.mark_sent(
                session, rows[name], worker="w", message_id=1, language="en", now=at(1, 9, 12)
            )
        await outbox.mark_final(
            session, rows["T5"], DeliveryStatus.FAILED, worker="w", error_code=400
        )
        await outbox.release(session, [rows["T8"]], worker="w")  # still queued: pending
        # T7 answered "No" in the week: a repeat problem of the week. T1 "Yes", T2 "No" after
        # the week; T3 never answered.
        for name, answer, when in (
            ("T7", visits.PROBLEM_BACK, at(17, 9)),
            ("T1", visits.WORKS_WELL, at(24, 9)),
            ("T2", visits.PROBLEM_BACK, at(24, 10)),
        ):
            found = await visits.visit(session, rows[name], for_update=True)
            assert found is not None
            await visits.record_answer(session, found, answer, now=when)
    return Seeded({name: number for name, (_, number) in made.items()}, (alice_id, bob_id))


async def measured(
    kefu: Kefu, params: dict[str, Any] | None = None, target: float = 0.5
) -> Measurement:
    period = parse_period("week", today=TODAY, zone=ZONE)
    async with kefu.db.read_only() as session:
        scope = Scope(session, period, AS_OF, kefu.calendar)
        return await METRICS["followups_done"].measure(scope, params or {}, target)


async def test_the_share_of_due_visits_sent_names_those_never_sent(kefu: Kefu) -> None:
    seeded = await seed(kefu)
    # Due in the week: T1, T2, T3, T4, T5 (T6 has no visit, T7 is the week before, T8 is
    # still queued). Sent: T1, T2, T3. Never sent: T4 (no consent), T5 (failed).
    found = await measured(kefu)
    assert (found.part, found.whole, found.value, found.met) == (3, 5, 0.6, True)
    assert found.offenders == (seeded.numbers["T4"], seeded.numbers["T5"])
    assert (await measured(kefu, target=0.61)).met is False
    complaints = await measured(kefu, {"types": ["complaint"]})
    assert (complaints.part, complaints.whole, complaints.offenders) == (1, 1, ())


async def test_answers_and_repeat_problems_are_counted_in_their_own_period(kefu: Kefu) -> None:
    await seed(kefu)
    week = parse_period("week", today=TODAY, zone=ZONE)
    async with kefu.db.read_only() as session:
        counts = await visits.counts(session, week.start, week.end)
        # T1 and T2 were answered (after the week: they belong to the tickets' period).
        assert (counts.due, counts.sent, counts.answered) == (5, 3, 2)
        # Answered "No" in the week: T7 only; T2's came the week after.
        assert (await visits.repeat_problem_share(session, week.start, week.end)).part == 1
        after = week.end
        next_week = await visits.repeat_problem_share(session, after, after + timedelta(days=7))
        assert next_week.part == 1


async def test_a_period_without_visits_has_nothing_to_judge(kefu: Kefu) -> None:
    found = await measured(kefu)
    assert (found.value, found.met, found.whole) == (None, None, 0)


@pytest.mark.parametrize(
    ("params", "target", "complaint"),
    [
        ({"within": "2h"}, 1.0, "unknown params within"),
        ({"types": ["warranty"]}, 1.0, "params.types"),
        ({}, 95, "a share is written 0.95"),
    ],
)
def test_a_wrong_clause_is_refused_with_the_reason(
    params: dict[str, Any], target: float, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        METRICS["followups_done"].check(params, target)


WEEK_START = datetime(2026, 11, 16, 0, 0, tzinfo=ZONE)
WEEK_END = datetime(2026, 11, 23, 0, 0, tzinfo=ZONE)


async def answer_at_the_edges(kefu: Kefu, seeded: Seeded) -> None:
    """Three more visits, of tickets resolved the week of 2 November, answered around the week:
    T11 "Yes" in the week before (12 November), T10 "Yes" at the week's first instant (Monday
    16th 00:00), T9 "No" at the first instant of the week after (Monday 23rd 00:00)."""
    alice_id, bob_id = seeded.customers
    made = {
        "T9": await resolved(kefu, alice_id, TicketType.REPAIR, at(4, 10)),
        "T10": await resolved(kefu, bob_id, TicketType.REPAIR, at(5, 10)),
        "T11": await resolved(kefu, alice_id, TicketType.INSTALLATION, at(6, 10)),
    }
    by_ticket = {ticket_id: name for name, (ticket_id, _) in made.items()}
    async with kefu.db.unit_of_work() as session:
        written = await visits.queue_due(
            session, now=AS_OF, days=kefu.config.care.followup_days, limit=100
        )
        assert written == 3
    async with kefu.db.unit_of_work() as session:
        claimed = await outbox.claim(session, worker="w", limit=100, lease=timedelta(minutes=1))
    rows = {by_ticket.get(d.ticket_id or 0, "other"): d.recipient_id for d in claimed}
    assert sorted(rows) == ["T10", "T11", "T9", "other"]  # "other": T8, given back in `seed`
    async with kefu.db.unit_of_work() as session:
        for name in ("T9", "T10", "T11"):
            await outbox.mark_sent(
                session, rows[name], worker="w", message_id=1, language="en", now=at(3, 9)
            )
        await outbox.release(session, [rows["other"]], worker="w")
        for name, answer, when in (
            ("T11", visits.WORKS_WELL, at(12, 10)),
            ("T10", visits.WORKS_WELL, WEEK_START.astimezone(UTC)),
            ("T9", visits.PROBLEM_BACK, WEEK_END.astimezone(UTC)),
        ):
            found = await visits.visit(session, rows[name], for_update=True)
            assert found is not None
            await visits.record_answer(session, found, answer, now=when)


async def test_the_repeat_problem_rate_counts_an_answer_in_the_period_it_came_in(
    kefu: Kefu,
) -> None:
    await answer_at_the_edges(kefu, await seed(kefu))
    before, week, after = (WEEK_START - timedelta(days=7), WEEK_START, WEEK_END)
    async with kefu.db.read_only() as session:

        async def rate(start: datetime) -> Share:
            return await visits.repeat_problem_share(session, start, start + timedelta(days=7))

        # 9-15 November: T11 "Yes". 16-22: T10 "Yes" at 00:00 on the 16th and T7 "No" on the
        # 17th (T9's "No" at 00:00 on the 23rd is the next week's). 23-29: T9 "No", T1 "Yes"
        # and T2 "No" on the 24th.
        assert await rate(before) == Share(0, 1)
        assert await rate(week) == Share(1, 2)
        assert await rate(after) == Share(2, 3)
        assert (await visits.repeat_problem_share(session, week, after)).part == 1


async def test_the_report_shows_visits_sent_answered_and_the_repeat_problem_rate(
    kefu: Kefu,
) -> None:
    seeded = await seed(kefu)
    await answer_at_the_edges(kefu, seeded)
    made = await report(kefu, parse_period("week", today=TODAY, zone=ZONE), as_of=AS_OF)
    english = render_text(kefu, kefu.catalogs.for_language("en"), made).splitlines()
    # Of the tickets resolved in the week: 3 of 5 visits sent (T1, T2, T3), 2 answered (T1,
    # T2); the week before: T7 sent and answered. The rate as in the test above: 1 of 2
    # this week, 0 of 1 the week before.
    assert english[english.index("<b>Follow-up visits</b>") + 1 :][:3] == [
        "Visits sent, of those due: 3 of 5 (60%) (100% · -40 pts)",
        "Visits answered: 2 of 3 sent (67%) (1 · +1)",
        "Repeat-problem rate, of visits answered: 1 of 2 (50%) (0% · +50 pts)",
    ]
    chinese = render_text(kefu, kefu.catalogs.for_language("zh_Hant"), made)
    assert "問題復發率（佔已回覆的回訪）: 2 中的 1（50%） (0% · +50 個百分點)" in chinese
    figures = figures_json(made.current)
    assert figures["repeat_problem_rate"] == {"part": 1, "whole": 2, "ratio": 0.5}
    assert figures["followups"] == {"due": 5, "sent": 3, "answered": 2, "ratio": 0.6}
    # The shipped clause of contract 002, with the answered visits beside the share.
    compliance = render_compliance(kefu.catalogs.for_language("en"), "en", made).splitlines()
    at = next(n for n, line in enumerate(compliance) if "Regular follow-up visits" in line)
    assert compliance[at : at + 2] == [
        "❌ Regular follow-up visits: 60% (3 of 5, 2 answered), target at least 90% · not met"
        " (previous period 100%)",
        f"  Broken by: {seeded.numbers['T4']}, {seeded.numbers['T5']}",
    ]
    simplified = render_compliance(kefu.catalogs.for_language("zh_Hans"), "zh_Hans", made)
    assert "定期回访: 60% (5 中的 3，已回复 2)" in simplified
    assert (await measured(kefu)).answered == 2


async def test_a_week_whose_only_news_is_visit_answers_is_reported(kefu: Kefu) -> None:
    await seed(kefu)
    # 23-29 November: no ticket opened, resolved or closed, but T1 "Yes" and T2 "No" came in;
    # the week before, T7 "No" alone.
    later = parse_period("2026-11-23..2026-11-29", today=TODAY, zone=ZONE)
    made = await report(kefu, later, as_of=AS_OF)
    assert not made.current.is_empty
    english = render_text(kefu, kefu.catalogs.for_language("en"), made)
    assert "Repeat-problem rate, of visits answered: 1 of 2 (50%) (100% · -50 pts)" in english


async def test_a_report_without_visits_leaves_their_section_out(kefu: Kefu) -> None:
    async with kefu.db.unit_of_work() as session:
        alice = await customers.get_or_create_by_telegram(session, 3001, now=at(1, 9))
        await customers.record_consent(session, alice, now=at(1, 9), first_name="Alice")
        alice_id = alice.id
    await resolved(kefu, alice_id, TicketType.CONSULTATION, at(17, 10))  # no visit for its type
    made = await report(kefu, parse_period("week", today=TODAY, zone=ZONE), as_of=AS_OF)
    english = render_text(kefu, kefu.catalogs.for_language("en"), made)
    assert "Resolved: 1 (0 · +1)" in english
    assert "Follow-up visits" not in english and "Repeat-problem rate" not in english
