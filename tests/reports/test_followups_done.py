"""`followups_done` and the repeat-problem count over one week, on SQLite and PostgreSQL.

The week of Monday 16 to Sunday 22 November 2026 (Asia/Shanghai), measured on 10 December with
the shipped visit days (repair and installation 7, complaint 3). Each visit goes through the
outbox as the sender would take it (queued, claimed, then sent, failed or given back); each
expected value is worked out in `seed`'s comments.
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
from domain.reports.metrics import METRICS, Measurement, Scope
from domain.reports.periods import parse_period
from storage import customers, outbox, tickets, visits
from storage.enums import TicketStatus, TicketType
from storage.events import Actor
from storage.models import Customer
from storage.survey_models import DeliveryStatus

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
    return Seeded({name: number for name, (_, number) in made.items()})


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
        assert await visits.repeat_problems(session, week.start, week.end) == 1
        after = week.end
        assert await visits.repeat_problems(session, after, after + timedelta(days=7)) == 1


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
