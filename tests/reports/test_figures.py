"""The report's figures against values worked out by hand, on SQLite and PostgreSQL.

One week of tickets, written through the storage API at chosen times (the clock moved by hand):
in and out of business hours, a ticket paused on the customer, one reopened, breached ones, a
complaint not handled in time, and tickets just before and after the week. Business hours are
Monday to Friday, 09:00-17:00, Asia/Shanghai; policies: 2 h / 5 working days by default, 1 h / 2
working days for complaints. The report is made on Wednesday 25 November, 09:00.

Each expected value below is worked out in its comment from the times in `seed`.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.bootstrap import build_services
from bot.config import Settings
from bot.services import Kefu
from domain.reports.figures import chart_series, report
from domain.reports.periods import parse_period
from domain.reports.render import render_compliance, render_text, report_json
from storage import customer_notes, customers, selfservice, surveys, tickets
from storage.enums import Language, TicketStatus, TicketType
from storage.events import Actor
from storage.models import Ticket
from storage.survey_models import (
    Campaign,
    CampaignKind,
    CampaignRecipient,
    CampaignRun,
    CampaignStatus,
    DeliveryStatus,
    Repeat,
    TicketSurvey,
)

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 25)  # Wednesday: "last week" is 16-22 November
AS_OF = datetime(2026, 11, 25, 9, 0, tzinfo=ZONE)
LI = Actor.staff(2001, "Li Wei")
WANG = Actor.staff(2002, "Wang Fang")

CONFIG = """
[business_hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]

[sla.policies.default.default]
clock = "business"
first_response = "2h"
resolution = "5wd"

[sla.policies.complaint.default]
clock = "business"
first_response = "1h"
resolution = "2wd"

[[compliance.clauses]]
id = "first-response-2h"
title = { en = "First response within 2 hours", zh_Hans = "2 小时内首次响应" }
metric = "first_response_within"
params = { within = "2h" }
target = 0.75

[[compliance.clauses]]
id = "first-response-2h-strict"
title = { en = "First response within 2 hours (76 %)" }
metric = "first_response_within"
params = { within = "2h" }
target = 0.76

[[compliance.clauses]]
id = "feedback-5-working-days"
title = { en = "Feedback within 5 working days" }
metric = "resolution_within"
params = { within = "5wd" }
target = 1.0

[[compliance.clauses]]
id = "complaints-handled"
title = { en = "Every complaint handled" }
metric = "complaints_handled"
target = 1.0

[[compliance.clauses]]
id = "csat-4"
title = { en = "Average rating at least 4" }
metric = "csat_at_least"
target = 4.0

[[compliance.clauses]]
id = "reopen-20"
title = { en = "At most 20 % reopened" }
metric = "reopen_rate_at_most"
target = 0.2

[[compliance.clauses]]
id = "quarterly-survey"
title = { en = "A survey every quarter" }
metric = "survey_every"
params = { every = "quarter" }
target = 1.0
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 in Shanghai, as UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=ZONE).astimezone(UTC)


@pytest.fixture
async def kefu(database_url: str, tmp_path: Path) -> AsyncIterator[Kefu]:
    config = tmp_path / "kefu.toml"
    config.write_text(CONFIG, encoding="utf-8")
    services = await build_services(Settings(database_url=database_url, config=config))
    try:
        await seed(services)
        yield services
    finally:
        await services.db.dispose()


async def seed(kefu: Kefu) -> None:
    """P1 the week before; T1-T8 in the week (K-000002 to K-000009); N1 the week after."""
    async with kefu.db.unit_of_work() as session:
        alice = await customers.get_or_create_by_telegram(session, 3001, now=at(1, 9))
        await customers.record_consent(session, alice, now=at(1, 9), first_name="Alice")
        made: list[Ticket] = []  # kept referenced until the commit, as handlers keep theirs

        async def ticket(kind: TicketType, opened: datetime, **values: object) -> Ticket:
            new = await tickets.create(session, alice, kind, now=opened, **values)  # type: ignore[arg-type]
            made.append(new)
            return new

        async def answer(one: Ticket, when: datetime, by: Actor = LI) -> None:
            await tickets.assign(
                session,
                one,
                assignee_telegram_id=by.telegram_id,
                assignee_name=by.name,
                actor=by,
                now=when,
            )
            await tickets.stamp_first_response(session, one, now=when)

        async def status(one: Ticket, to: TicketStatus, when: datetime) -> None:
            await tickets.set_status(session, one, to, actor=LI, now=when)
            await session.flush()

        p1 = await ticket(TicketType.REPAIR, at(9, 10))
        await answer(p1, at(9, 10, 30))
        await status(p1, TicketStatus.RESOLVED, at(10, 10))

        t1 = await ticket(TicketType.REPAIR, at(16, 10), product_id="m8")  # Monday
        await answer(t1, at(16, 11))  # 1 h
        await status(t1, TicketStatus.RESOLVED, at(18, 10))  # Mon 7 h + Tue 8 h + Wed 1 h
        t2 = await ticket(TicketType.REPAIR, at(16, 20), product_id="m8")  # after hours
        await answer(t2, at(17, 10, 30), WANG)  # 1 h 30 min of business time; never resolved
        t3 = await ticket(TicketType.COMPLAINT, at(17, 9))
        await answer(t3, at(17, 11, 30))  # 2 h 30 min: over the complaint's 1 h
        await status(t3, TicketStatus.RESOLVED, at(17, 15))  # 6 h, within 2 working days
        await status(t3, TicketStatus.CLOSED, at(21, 12))
        t4 = await ticket(TicketType.COMPLAINT, at(18, 9))
        await answer(t4, at(18, 9, 30), WANG)
        await status(t4, TicketStatus.RESOLVED, at(23, 10))  # after Friday 17:00: late
        t5 = await ticket(TicketType.REPAIR, at(19, 16))
        await answer(t5, at(19, 16, 30))
        await status(t5, TicketStatus.WAITING_CUSTOMER, at(19, 16, 30))  # paused
        await status(t5, TicketStatus.RESOLVED, at(20, 10))  # Thu 1 h + Fri 1 h
        t6 = await ticket(TicketType.REPAIR, at(20, 9))
        await answer(t6, at(20, 9, 15))
        await status(t6, TicketStatus.RESOLVED, at(20, 12))
        await status(t6, TicketStatus.OPEN, at(21, 10))  # reopened on Saturday
        await status(t6, TicketStatus.RESOLVED, at(23, 11))
        await ticket(TicketType.CONSULTATION, at(21, 10))  # T7, Saturday, never answered
        t8 = await ticket(TicketType.REPAIR, at(19, 9))
        await tickets.stamp_first_response(session, t8, now=at(19, 11))  # exactly 2 h
        n1 = await ticket(TicketType.REPAIR, at(23, 10))
        await answer(n1, at(23, 10, 10))

        for one, sent, score, answered in (
            (t1, at(18, 10, 30), 5, at(18, 12)),
            (t3, at(17, 15, 30), 3, at(17, 16)),
            (t5, at(20, 10, 30), 4, at(20, 11)),
            (t6, at(20, 12, 30), None, None),
        ):
            survey = TicketSurvey(
                ticket_id=one.id,
                customer_id=alice.id,
                created_at=sent,
                expires_at=at(28, 0),
                sent_at=sent,
            )
            session.add(survey)
            await session.flush()
            if score is not None:
                await surveys.record_score(
                    session, survey, one, score, actor=Actor.customer(alice), now=answered
                )

        campaign = Campaign(
            kind=CampaignKind.NPS,
            status=CampaignStatus.FINISHED,
            repeat=Repeat.NONE,
            texts={},
            audience={"kind": "all"},
            created_by=1,
            created_at=at(16, 9),
            updated_at=at(16, 9),
        )
        session.add(campaign)
        await session.flush()
        run = CampaignRun(campaign_id=campaign.id, number=1, started_at=at(16, 12))
        session.add(run)
        await session.flush()
        for n, score in enumerate((10, 9, 8, 3)):
            someone = await customers.get_or_create_by_telegram(session, 4000 + n, now=at(1, 9))
            session.add(
                CampaignRecipient(
                    run_id=run.id,
                    campaign_id=campaign.id,
                    customer_id=someone.id,
                    status=DeliveryStatus.SENT,
                    next_attempt_at=at(16, 12),
                    sent_at=at(16, 12),
                    answer=score,
                    answered_at=at(17, 9),
                )
            )
        for faq in ("warranty", "hours", "invoice"):
            await selfservice.record(
                session, customer_id=alice.id, faq_id=faq, language=Language.EN, now=at(18, 14)
            )


async def last_week(kefu: Kefu):  # type: ignore[no-untyped-def]
    period = parse_period("week", today=TODAY, zone=ZONE)
    return await report(kefu, period, as_of=AS_OF.astimezone(UTC))


async def test_ticket_counts_and_backlog(kefu: Kefu) -> None:
    made = await last_week(kefu)
    now, before = made.current.tickets, made.previous.tickets
    assert (made.current.period.first_day, made.current.period.last_day) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
    )
    assert now.opened_by_type == {"repair": 5, "complaint": 2, "consultation": 1}
    assert now.opened_by_product == {"m8": 2, None: 6}
    # Resolved in the week as they stand now: T1, T3, T5 (T4 and T6 on Monday the 23rd).
    assert (now.resolved, now.closed) == (3, 1)
    # Open at Monday 00:00: T2, T4, T6 (resolved only later), T7, T8.
    assert now.backlog == 5
    assert (before.opened, before.resolved, before.closed, before.backlog) == (1, 1, 0, 0)


async def test_waiting_times_are_business_time_percentiles(kefu: Kefu) -> None:
    made = await last_week(kefu)
    # First responses in the week: 900, 1800, 1800, 3600, 5400, 7200, 9000 s (nearest rank).
    assert made.current.first_response == _spread(7, 3600, 9000)
    # Resolved in the week: T5 7200, T3 21600, T1 57600 s.
    assert made.current.resolution == _spread(3, 21600, 57600)
    assert made.previous.first_response == _spread(1, 1800, 1800)


def _spread(count: int, median: int, p90: int):  # type: ignore[no-untyped-def]
    from storage.reports import Spread

    return Spread(count, median, p90)


async def test_sla_per_policy_and_timer(kefu: Kefu) -> None:
    made = await last_week(kefu)
    found = {(o.policy, o.timer): (o.met, o.breached, o.breaches) for o in made.current.timers}
    assert found == {
        # T3 answered after its hour; T4 in time. T3 resolved in time; T4 late.
        ("complaint.default", "first_response"): (1, 1, ("K-000004",)),
        ("complaint.default", "resolution"): (1, 1, ("K-000005",)),
        # T7 still unanswered past Monday 11:00; T8's reply at exactly 2 h is in time.
        ("default.default", "first_response"): (5, 1, ("K-000008",)),
        # T2 unresolved past Monday 23rd 17:00; T7 and T8 still within their 5 days.
        ("default.default", "resolution"): (3, 1, ("K-000003",)),
    }


async def test_reopens_complaints_self_service_and_surveys(kefu: Kefu) -> None:
    current = (await last_week(kefu)).current
    # Resolved at least once: T1, T3, T4, T5, T6; T6 reopened.
    assert (current.reopened.part, current.reopened.whole) == (1, 5)
    assert current.reopened.short == ("K-000007",)
    assert (current.complaints.part, current.complaints.whole) == (1, 2)
    # Three FAQ answers and one consultation ticket.
    assert (current.self_service.part, current.self_service.whole) == (3, 4)
    assert (current.csat.sent, current.csat.answered, current.csat.average) == (4, 3, 4.0)
    assert current.csat.distribution == {1: 0, 2: 0, 3: 1, 4: 1, 5: 1}
    # 10 and 9 promote, 8 is passive, 3 detracts: (2 - 1) / 4.
    nps = current.nps
    assert (nps.promoters, nps.passives, nps.detractors, nps.score) == (2, 1, 1, 25.0)


async def test_per_staff_member(kefu: Kefu) -> None:
    staff = (await last_week(kefu)).current.staff
    # Li resolved T1, T3 and T5 in the week (Wang's T4 came on the 23rd); Li's first
    # responses: 900 (T6), 1800, 3600, 9000 s; the ratings of Li's tickets: 5, 3 and 4.
    assert [(s.name, s.handled, s.first_response.median, s.csat_average) for s in staff] == [
        ("Li Wei", 3, 1800, 4.0)
    ]


async def test_every_clause_at_its_boundary(kefu: Kefu) -> None:
    results = {r.clause.id: r.measured for r in (await last_week(kefu)).current.compliance}
    # Within 2 h: T1, T2, T4, T5, T6 and T8 (exactly 2 h); not: T3 (2 h 30), T7 (unanswered).
    assert (results["first-response-2h"].part, results["first-response-2h"].whole) == (6, 8)
    assert results["first-response-2h"].met is True  # 0.75 against 0.75
    assert results["first-response-2h-strict"].met is False  # 0.75 against 0.76
    assert results["first-response-2h-strict"].offenders == ("K-000004", "K-000008")
    # By close of the 5th working day after the day it opened: all but T2; T7, T8 pending.
    feedback = results["feedback-5-working-days"]
    assert (feedback.part, feedback.whole, feedback.met) == (5, 6, False)
    assert feedback.offenders == ("K-000003",)
    assert (results["complaints-handled"].met, results["complaints-handled"].offenders) == (
        False,
        ("K-000005",),
    )
    assert (results["csat-4"].value, results["csat-4"].met) == (4.0, True)  # 4.0 against 4.0
    assert (results["reopen-20"].value, results["reopen-20"].met) == (0.2, True)  # at most 0.2
    assert (results["quarterly-survey"].value, results["quarterly-survey"].met) == (1.0, True)


async def test_a_period_with_only_breaches(kefu: Kefu) -> None:
    saturday = parse_period("2026-11-21..2026-11-21", today=TODAY, zone=ZONE)
    current = (await report(kefu, saturday, as_of=AS_OF.astimezone(UTC))).current
    assert current.tickets.opened_by_type == {"consultation": 1}
    assert [(o.timer, o.met, o.breached) for o in current.timers] == [("first_response", 0, 1)]
    results = {r.clause.id: r.measured for r in current.compliance}
    assert (results["first-response-2h"].value, results["first-response-2h"].met) == (0.0, False)
    # Nothing to judge a complaint or a rating by: neither met nor broken.
    assert results["complaints-handled"].met is None
    assert results["csat-4"].met is None


async def test_an_empty_period_says_so_and_has_no_chart(kefu: Kefu) -> None:
    october = parse_period("2026-10-01..2026-10-07", today=TODAY, zone=ZONE)
    made = await report(kefu, october, as_of=AS_OF.astimezone(UTC))
    assert made.current.is_empty
    text = render_text(kefu, kefu.catalogs.for_language("en"), made)
    assert "Nothing happened in this period" in text
    values = await chart_series(kefu, october, {}, as_of=AS_OF.astimezone(UTC))
    assert values.volume.is_empty and values.response.is_empty
    assert values.compliance.is_empty and values.satisfaction.is_empty


async def test_the_charts_draw_the_same_days(kefu: Kefu) -> None:
    period = parse_period("week", today=TODAY, zone=ZONE)
    values = await chart_series(kefu, period, {}, as_of=AS_OF.astimezone(UTC))
    assert values.volume.by_type == {
        "consultation": [0, 0, 0, 0, 0, 1, 0],
        "repair": [2, 0, 0, 2, 1, 0, 0],
        "complaint": [0, 1, 1, 0, 0, 0, 0],
    }
    # Buckets from 0, 15, 30, 60, 120 min...: 900 s | 1800, 1800 | 3600, 5400 | 7200, 9000.
    assert values.response.counts == [0, 1, 2, 2, 2, 0, 0, 0]
    assert values.response.target_minutes == 120


async def test_the_text_shows_each_figure_beside_the_previous(kefu: Kefu) -> None:
    made = await last_week(kefu)
    english = render_text(kefu, kefu.catalogs.for_language("en"), made)
    assert "Opened: 8 (1 · +7)" in english
    assert "Backlog at the end: 5 (0 · +5)" in english
    assert "First response, median: 1 h (30 min · +30 min)" in english
    assert "❌ Feedback within 5 working days: 83% (5 of 6)" in english
    assert "Broken by: K-000003" in english
    chinese = render_compliance(kefu.catalogs.for_language("zh_Hans"), "zh_Hans", made)
    assert "2 小时内首次响应" in chinese and "达标" in chinese


async def test_a_ticket_resolved_while_it_waits_on_the_customer_counts_from_the_pause(
    kefu: Kefu,
) -> None:
    """The resolution clock stops while the ticket waits on the customer: a complaint paused
    before its deadline and resolved after it, still waiting, was handled in time."""
    async with kefu.db.unit_of_work() as session:
        alice = await customers.get_by_telegram(session, 3001)
        assert alice is not None
        complaint = await tickets.create(session, alice, TicketType.COMPLAINT, now=at(2, 9))
        await tickets.stamp_first_response(session, complaint, now=at(2, 9, 30))
        await tickets.set_status(
            session, complaint, TicketStatus.WAITING_CUSTOMER, actor=LI, now=at(2, 10)
        )
        await session.flush()
        # Two working days from Monday the 2nd end on Wednesday at 17:00; this is Friday.
        await tickets.set_status(
            session, complaint, TicketStatus.RESOLVED, actor=LI, now=at(6, 12)
        )
    week = parse_period("2026-11-02..2026-11-08", today=TODAY, zone=ZONE)
    current = (await report(kefu, week, as_of=AS_OF.astimezone(UTC))).current
    assert (current.complaints.part, current.complaints.whole) == (1, 1)


async def test_the_command_line_prints_the_same_figures(
    kefu: Kefu, database_url: str, tmp_path: Path
) -> None:
    """`kefu report --format json` is for scripts: the numbers /report shows, nothing else."""
    week = parse_period("2026-11-16..2026-11-22", today=TODAY, zone=ZONE)
    expected = report_json(await report(kefu, week))
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {"KEFU_DATABASE_URL": database_url, "KEFU_CONFIG": str(tmp_path / "kefu.toml")}
    command = [sys.executable, "-m", "bot", "report", "--period", "2026-11-16..2026-11-22"]
    printed = await asyncio.to_thread(
        subprocess.run, [*command, "--format", "json"], env=env, capture_output=True, timeout=60
    )
    assert printed.returncode == 0, printed.stderr
    found = json.loads(printed.stdout)
    assert found["current"] == expected["current"]
    assert found["previous"] == expected["previous"]
    reversed_range = await asyncio.to_thread(
        subprocess.run,
        [*command[:-1], "2026-11-22..2026-11-16"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reversed_range.returncode == 2
    assert "reversed" in reversed_range.stderr and "Traceback" not in reversed_range.stderr


async def test_the_report_counts_tickets_per_customer_tag(kefu: Kefu) -> None:
    """A tag is on the customer: each of their tickets opened in the week counts under it
    (under each of their tags), and customers without one are not listed."""
    async with kefu.db.unit_of_work() as session:
        alice = await customers.get_by_telegram(session, 3001)
        assert alice is not None
        for tag in ("vip", "dealer"):
            await customer_notes.add_tag(
                session,
                alice.id,
                tag,
                by_telegram_id=LI.telegram_id,
                by_name=LI.name,
                now=at(1, 9),
            )
    made = await last_week(kefu)
    async with kefu.db.read_only() as session:
        alice = await customers.get_by_telegram(session, 3001)
        assert alice is not None
        week_start, week_end = made.current.period.start, made.current.period.end
        opened = [
            ticket
            for ticket in await tickets.for_customer(session, alice.id)
            if week_start <= ticket.created_at < week_end
        ]
    assert opened, "the seed gives Alice tickets in the week"
    assert made.current.by_customer_tag == [("dealer", len(opened)), ("vip", len(opened))]
    english = render_text(kefu, kefu.catalogs.for_language("en"), made)
    assert f"By customer tag: dealer {len(opened)} · vip {len(opened)}" in english
