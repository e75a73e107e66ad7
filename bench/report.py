"""A month's report and a year's export on a year of tickets, on SQLite and PostgreSQL.

    python -m bench.report                                  # 100,000 tickets, both databases
    python -m bench.report --tickets 10000 --databases sqlite

Each database is migrated to head and filled with Core bulk inserts: N tickets spread over
2026 with the report columns filled as `domain.sla.tracking` fills them (policy, deadlines,
met, business seconds; deadlines and waits approximated from the default configuration's
targets and working week, not computed on the business calendar, which would take longer
than the rest of the bench), a few thousand customers, six or so events per ticket, a
survey after most resolutions (about half answered), self-service answers and a quarterly
NPS campaign. PostgreSQL gets a throw-away database, dropped afterwards, and an ANALYZE, as
autovacuum would run after such a load; SQLite gets none, as Kefu never runs one.

Timed, `--runs` times each (median and worst): `domain.reports.figures.report` of June 2026
(with the 30 days before, as a report always compares), `chart_series` and `render_text`,
against `SELECT count(*)` of June's tickets. Then one more report, with every coroutine of
`storage.reports` and every compliance metric wrapped, to say where the time goes.

The export streams the whole year, and its first tenth, through `write_csv` and `write_json`
to a file: wall time (one run), tickets/s, and the peak of Python memory while it runs
(tracemalloc, in a second run, as tracing slows Python down). Constant memory shows as the
same peak for a tenth of the tickets and for all of them. The baseline is the same tickets,
and their events, streamed as plain rows (`SELECT *`, the export's chunk size).
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import inspect
import math
import random
import statistics
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.sla_scan import postgres_database, postgres_reachable
from bot.bootstrap import build_services
from bot.config import Settings
from bot.services import Kefu
from domain.reports import metrics
from domain.reports.export import days_in_utc, write_csv, write_json
from domain.reports.figures import chart_series, report
from domain.reports.periods import midnight, parse_period
from domain.reports.render import render_text, type_labels
from domain.sla.calendar import ClockKind
from domain.sla.durations import DurationKind, SlaDuration
from storage import reports
from storage.enums import (
    ActorKind,
    EventKind,
    Language,
    Priority,
    TicketStatus,
    TicketType,
    Warranty,
)
from storage.models import Customer, SelfServiceAnswer, Ticket, TicketEvent
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
from storage.ticket_export import CHUNK_SIZE, tickets_created_between

ZONE = ZoneInfo("Asia/Shanghai")
YEAR_START = midnight(date(2026, 1, 1), ZONE)
YEAR_SECONDS = 365 * 86_400
AS_OF = datetime(2027, 1, 4, 9, 0, tzinfo=ZONE).astimezone(UTC)  # the Monday after the year
MONTH = "2026-06-01..2026-06-30"
TARGET_SECONDS = 2.0
CHUNK = 10_000  # tickets per bulk insert, with their events and surveys
BUSINESS_DAY = 7.5 * 3600  # the default hours: 09:00-12:00 and 13:30-18:00, Monday to Friday
STRETCH = 168 / 37.5  # wall-clock seconds per business second, over a week
TYPES = list(TicketType)
TYPE_WEIGHTS = [25, 30, 10, 8, 7, 6, 14]  # consultation, repair, ... complaint
PRIORITIES = list(Priority)
PRIORITY_WEIGHTS = [10, 70, 15, 5]
PRODUCTS = ("purifier-a1", "purifier-a2", "softener-w5", "toilet-seat-s3", None)
NAMES = "Li Wei, Wang Fang, Zhang Min, Liu Yang, Chen Jing, Yang Lei, Zhao Qiang, Huang Li"
STAFF = tuple((5001 + n, name) for n, name in enumerate(NAMES.split(", ")))
WORDS = {
    EventKind.CUSTOMER_MESSAGE: "The filter light stays red.",
    EventKind.STAFF_REPLY: "Please send a photo of the panel.",
}
SCORES, SCORE_WEIGHTS = (1, 2, 3, 4, 5), (8, 7, 10, 25, 50)


# --- the year of tickets ------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    policy: str  # "type.priority", as tickets store it
    first_response: float  # business seconds (wall seconds on a calendar clock)
    resolution: float
    stretch: float  # wall seconds per second of the policy's clock


Plan = dict[tuple[TicketType, Priority], Target]


def _seconds(duration: SlaDuration | None, fallback: float) -> float:
    if duration is None:
        return fallback
    if duration.kind is DurationKind.WORKING_DAYS:
        return duration.value * BUSINESS_DAY
    return duration.value * 60.0


def targets(kefu: Kefu) -> Plan:
    """Each type and priority's policy, as `domain.sla.tracking` would pick it."""
    found = {}
    for kind in TicketType:
        for priority in Priority:
            key = kefu.config.sla.policy_key_for(kind, priority)
            assert key is not None, "the default configuration has a default policy"
            policy = kefu.config.sla.policies[key[0]][key[1]]
            found[kind, priority] = Target(
                ".".join(key),
                _seconds(policy.first_response, 7200.0),
                _seconds(policy.resolution, 5 * BUSINESS_DAY),
                1.0 if policy.clock is ClockKind.CALENDAR else STRETCH,
            )
    return found


@dataclass(frozen=True)
class Life:
    """What happened to one ticket by AS_OF; None for what has not happened (yet)."""

    id: int
    kind: TicketType
    priority: Priority
    target: Target
    customer: int
    staff: tuple[int, str] | tuple[None, None]
    created: datetime
    answered: datetime | None
    answer_seconds: int  # business seconds, as `first_response_seconds`
    resolved: datetime | None
    resolve_seconds: int
    reopened: datetime | None
    closed: datetime | None
    waiting: bool  # on the customer, since the first response
    followed_up: bool  # the customer wrote again after the answer

    def deadline(self, seconds: float) -> datetime:
        return self.created + timedelta(seconds=seconds * self.target.stretch)


def live(n: int, rng: random.Random, step: float, customers: int, plan: Plan) -> Life:
    """Ticket n, opened at the n-th step of the year; its waits drawn around its targets."""
    kind = rng.choices(TYPES, TYPE_WEIGHTS)[0]
    priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
    target = plan[kind, priority]
    created = YEAR_START + timedelta(seconds=step * (n + rng.random()))
    answer_seconds = int(rng.lognormvariate(math.log(target.first_response / 3), 0.9))
    resolve_seconds = answer_seconds + int(
        rng.lognormvariate(math.log(target.resolution / 4), 0.9)
    )
    answered = created + timedelta(seconds=answer_seconds * target.stretch)
    resolved = created + timedelta(seconds=resolve_seconds * target.stretch)
    reopened = None
    if rng.random() < 0.03:  # reopened a day after, resolved again a day later
        reopened = resolved + timedelta(days=1)
        resolved = reopened + timedelta(days=1)
        resolve_seconds += int(BUSINESS_DAY)
    waiting = rng.random() < 0.01
    if waiting or resolved > AS_OF:
        resolved = reopened = None
    closed = resolved + timedelta(days=3) if resolved else None
    return Life(
        id=n + 1,
        kind=kind,
        priority=priority,
        target=target,
        customer=rng.randint(1, customers),
        staff=rng.choice(STAFF) if rng.random() < 0.85 else (None, None),
        created=created,
        answered=answered if answered <= AS_OF else None,
        answer_seconds=answer_seconds,
        resolved=resolved,
        resolve_seconds=resolve_seconds,
        reopened=reopened,
        closed=closed if closed and closed <= AS_OF else None,
        waiting=waiting,
        followed_up=rng.random() < 0.4,
    )


def _change(was: str, now: str) -> dict[str, str]:
    return {"from": was, "to": now}


def event_rows(life: Life) -> list[dict[str, Any]]:
    """The ticket's service record, oldest first, with the data the app writes."""
    customer, staff, system = ActorKind.CUSTOMER, ActorKind.STAFF, ActorKind.SYSTEM
    story = [
        (
            EventKind.CREATED,
            customer,
            life.created,
            {"type": life.kind, "priority": life.priority},
        ),
        (EventKind.CUSTOMER_MESSAGE, customer, life.created, {"message_id": 3 * life.id}),
    ]
    due = life.deadline(life.target.first_response)
    if due < (life.answered or AS_OF):
        breach = {"timer": "first_response", "level": "breach", "version": 1}
        story.append((EventKind.ALERT, system, due, breach))
    if life.answered:
        if life.staff[0] is not None:
            story.append((EventKind.ASSIGNED, staff, life.answered, {}))
        story.append((EventKind.STAFF_REPLY, staff, life.answered, {"delivered": True}))
        if life.followed_up:
            story.append((EventKind.CUSTOMER_MESSAGE, customer, life.answered, {}))
    if life.reopened:
        resolved_first = life.reopened - timedelta(days=1)
        story.append(
            (EventKind.STATUS_CHANGED, staff, resolved_first, _change("open", "resolved"))
        )
        story.append(
            (EventKind.STATUS_CHANGED, customer, life.reopened, _change("resolved", "open"))
        )
    if life.resolved:
        story.append((EventKind.STATUS_CHANGED, staff, life.resolved, _change("open", "resolved")))
    if life.closed:
        story.append(
            (EventKind.STATUS_CHANGED, system, life.closed, _change("resolved", "closed"))
        )
    story.sort(key=lambda happened: happened[2])
    rows = []
    for kind, actor, at, data in story:
        who = life.staff if actor is staff else (None, None)
        rows.append(
            {"ticket_id": life.id, "kind": kind, "actor_kind": actor, "actor_telegram_id": who[0],
             "actor_name": who[1], "text": WORDS.get(kind), "data": data, "created_at": at}
        )  # fmt: skip
    return rows


def ticket_row(life: Life, updated: datetime, rng: random.Random) -> dict[str, Any]:
    """The ticket as the app leaves it, SLA facts (`domain.sla.tracking`) included."""
    first_due = life.deadline(life.target.first_response)
    resolution_due = life.deadline(life.target.resolution)
    running = life.resolved is None
    elapsed = int((AS_OF - life.created).total_seconds() / life.target.stretch)
    status = TicketStatus.WAITING_CUSTOMER if life.waiting else TicketStatus.OPEN
    if life.resolved:
        status = TicketStatus.CLOSED if life.closed else TicketStatus.RESOLVED
    answered = life.answered is not None
    return {
        "id": life.id, "number": f"K-{life.id:06d}", "customer_id": life.customer,
        "type": life.kind, "status": status, "priority": life.priority,
        "product_id": rng.choice(PRODUCTS), "warranty": rng.choice(list(Warranty)),
        "details": {}, "assignee_telegram_id": life.staff[0] if answered else None,
        "assignee_name": life.staff[1] if answered else None,
        "created_at": life.created, "updated_at": updated,
        "first_response_at": life.answered, "resolved_at": life.resolved,
        "closed_at": life.closed, "reopened_at": life.reopened,
        "sla_policy": life.target.policy,
        "first_response_deadline": first_due,
        "first_response_met": life.answered <= first_due if life.answered else None,
        "first_response_seconds": life.answer_seconds if answered else None,
        "first_response_due_at": None if answered else first_due,
        "resolution_deadline": resolution_due,
        "resolution_met": None if running else life.resolved <= resolution_due,
        "resolution_seconds": None if running else life.resolve_seconds,
        "resolution_due_at": resolution_due if running and not life.waiting else None,
        "resolution_started_at": life.created if running else None,
        "resolution_paused_at": life.answered if life.waiting else None,
        "resolution_used_seconds": min(life.resolve_seconds, elapsed),
        "sla_version": 1, "first_response_version": 1, "resolution_version": 1,
    }  # fmt: skip


def survey_row(life: Life, rng: random.Random) -> dict[str, Any] | None:
    """The star rating sent half an hour after most resolutions; about half answered."""
    if life.resolved is None or rng.random() >= 0.6:
        return None
    sent = life.resolved + timedelta(minutes=30)
    if sent > AS_OF:
        return None
    answered = sent + timedelta(seconds=rng.lognormvariate(math.log(3600), 1.0))
    scored = rng.random() < 0.45 and answered <= AS_OF
    return {
        "ticket_id": life.id, "customer_id": life.customer, "created_at": sent,
        "sent_at": sent, "expires_at": sent + timedelta(days=7), "attempts": 1,
        "score": rng.choices(SCORES, SCORE_WEIGHTS)[0] if scored else None,
        "answered_at": answered if scored else None,
    }  # fmt: skip


def bulk(model: type) -> Any:
    """An INSERT of many rows in batches: None written as NULL, so that every row has the same
    columns (the ORM would otherwise split the rows by which columns are None)."""
    return insert(model).execution_options(render_nulls=True)


async def fill(kefu: Kefu, total: int) -> dict[str, int]:
    """The year's rows; how many of each were written."""
    rng = random.Random(13)
    customers = max(10, min(5_000, total // 30))
    step = YEAR_SECONDS / total
    plan = targets(kefu)
    written: Counter[str] = Counter()
    languages = list(Language)
    before = YEAR_START - timedelta(days=60)
    async with kefu.db.unit_of_work() as session:
        await session.execute(
            bulk(Customer),
            [{"id": c, "telegram_id": 10_000_000 + c, "language": languages[c % 3],
              "consent_at": before, "created_at": before, "updated_at": before}
             for c in range(1, customers + 1)],
        )  # fmt: skip
        await session.execute(
            bulk(SelfServiceAnswer),
            [{"customer_id": rng.randint(1, customers), "faq_id": "filter-light",
              "language": "en", "created_at": YEAR_START + timedelta(days=rng.random() * 365)}
             for _ in range(total // 20)],
        )  # fmt: skip
        written["customers"], written["self-service answers"] = customers, total // 20
        written["NPS answers"] = await add_nps_campaign(session, rng, customers)
    for start in range(0, total, CHUNK):
        tickets, events, surveys = [], [], []
        for n in range(start, min(start + CHUNK, total)):
            life = live(n, rng, step, customers, plan)
            record = event_rows(life)
            events += record
            tickets.append(ticket_row(life, record[-1]["created_at"], rng))
            if survey := survey_row(life, rng):
                surveys.append(survey)
        async with kefu.db.unit_of_work() as session:
            await session.execute(bulk(Ticket), tickets)
            await session.execute(bulk(TicketEvent), events)
            if surveys:
                await session.execute(bulk(TicketSurvey), surveys)
        written["tickets"] += len(tickets)
        written["events"] += len(events)
        written["surveys"] += len(surveys)
    if kefu.db.dialect == "postgresql":
        async with kefu.db.unit_of_work() as session:
            await session.execute(text("ANALYZE"))
    return dict(written)


async def add_nps_campaign(session: AsyncSession, rng: random.Random, customers: int) -> int:
    """A quarterly NPS campaign (the third month of each quarter) to a third of the customers;
    how many answered."""
    await session.execute(
        insert(Campaign).values(
            id=1, kind=CampaignKind.NPS, status=CampaignStatus.SCHEDULED,
            repeat=Repeat.QUARTERLY, texts={"en": {"question": "Would you recommend us?"}},
            audience={"kind": "all"}, created_by=STAFF[0][0], created_at=YEAR_START,
            updated_at=YEAR_START,
        )
    )  # fmt: skip
    recipients = []
    for quarter in range(1, 5):
        sent = YEAR_START + timedelta(days=91 * (quarter - 1) + 70)
        audience = rng.sample(range(1, customers + 1), customers // 3)
        await session.execute(
            insert(CampaignRun).values(id=quarter, campaign_id=1, number=quarter,
                                       started_at=sent, recipients=len(audience))
        )  # fmt: skip
        for customer in audience:
            answer = rng.randint(0, 10) if rng.random() < 0.3 else None
            answered = (
                sent + timedelta(minutes=rng.randint(1, 600)) if answer is not None else None
            )
            recipients.append(
                {"run_id": quarter, "campaign_id": 1, "customer_id": customer,
                 "status": DeliveryStatus.SENT, "attempts": 1, "next_attempt_at": sent,
                 "sent_at": sent, "language": "en", "answer": answer, "answered_at": answered}
            )  # fmt: skip
    if recipients:
        await session.execute(bulk(CampaignRecipient), recipients)
    return sum(1 for recipient in recipients if recipient["answer"] is not None)


# --- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    median: float
    worst: float

    @classmethod
    def of(cls, seconds: list[float]) -> Timing:
        return cls(statistics.median(seconds), max(seconds))


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    began = time.perf_counter()
    result = await work()
    return time.perf_counter() - began, result


async def time_report(kefu: Kefu, runs: int) -> dict[str, Timing]:
    """Each step of a report, `runs` times, beside counting the month's tickets."""
    period = parse_period(MONTH, today=AS_OF.date(), zone=ZONE)
    words = kefu.catalogs.for_language("en")
    labels = type_labels(words)
    opened = select(func.count()).where(
        Ticket.created_at >= period.start, Ticket.created_at < period.end
    )
    seen: dict[str, list[float]] = {step: [] for step in STEPS}
    for _ in range(runs):
        made_in, made = await timed(lambda: report(kefu, period, as_of=AS_OF))
        charts_in, _ = await timed(lambda: chart_series(kefu, period, labels, as_of=AS_OF))
        began = time.perf_counter()
        render_text(kefu, words, made)
        rendered_in = time.perf_counter() - began
        async with kefu.db.read_only() as session:
            counted_in, _ = await timed(lambda: session.scalar(opened))
        seen["report"].append(made_in)
        seen["charts"].append(charts_in)
        seen["render"].append(rendered_in)
        seen["total"].append(made_in + charts_in + rendered_in)
        seen["count"].append(counted_in)
    return {step: Timing.of(values) for step, values in seen.items()}


STEPS = {
    "report": "figures.report (and the 30 days before)",
    "charts": "chart_series",
    "render": "render_text",
    "total": "total",
    "count": "baseline: count(*) of the month",
}


_LABEL: contextvars.ContextVar[str | None] = contextvars.ContextVar("bench_label", default=None)


def _labelled(label: str, work: Callable[..., Awaitable[Any]], spent: dict) -> Callable:
    @wraps(work)
    async def run(*args: Any, **kwargs: Any) -> Any:
        if _LABEL.get() is not None:  # inside another labelled call: that one counts it
            return await work(*args, **kwargs)
        token = _LABEL.set(label)
        began = time.perf_counter()
        try:
            return await work(*args, **kwargs)
        finally:
            spent.setdefault(label, [0, 0, 0.0])[0] += 1
            spent[label][2] += time.perf_counter() - began
            _LABEL.reset(token)

    return run


async def where_the_time_goes(kefu: Kefu) -> tuple[float, dict[str, list]]:
    """One report and its chart series; per storage.reports coroutine and compliance metric:
    [calls, SQL statements, seconds]. A call inside another (share_of_cohort inside a metric)
    counts for the outer one. Patching the module attributes catches every call, as figures
    and metrics call `reports.<name>` and look `METRICS[...]` up at run time."""
    spent: dict[str, list] = {}

    def count_statement(*_: Any) -> None:
        if (label := _LABEL.get()) is not None:
            spent.setdefault(label, [0, 0, 0.0])[1] += 1

    period = parse_period(MONTH, today=AS_OF.date(), zone=ZONE)
    labels = type_labels(kefu.catalogs.for_language("en"))
    with ExitStack() as patches:
        for name, function in vars(reports).items():
            if inspect.iscoroutinefunction(function) and function.__module__ == reports.__name__:
                patches.enter_context(
                    mock.patch.object(reports, name, _labelled(name, function, spent))
                )
        for name, measured in metrics.METRICS.items():
            wrapped = _labelled(f"compliance: {name}", measured.measure, spent)
            patches.enter_context(mock.patch.object(measured, "measure", wrapped))
        event.listen(kefu.db.engine.sync_engine, "before_cursor_execute", count_statement)
        try:
            began = time.perf_counter()
            await report(kefu, period, as_of=AS_OF)
            await chart_series(kefu, period, labels, as_of=AS_OF)
            total = time.perf_counter() - began
        finally:
            event.remove(kefu.db.engine.sync_engine, "before_cursor_execute", count_statement)
    return total, spent


# --- the export ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    what: str
    count: int
    unit: str  # what `count` counts: "tickets" or "rows"
    seconds: float
    peak_bytes: int | None = None


async def export_once(
    kefu: Kefu, fmt: str, since: datetime, until: datetime, path: Path, *, traced: bool
) -> tuple[int, float, int | None]:
    if traced:
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
    began = time.perf_counter()
    with path.open("wb") as out:
        async with kefu.db.read_only() as session:
            rows = tickets_created_between(session, since, until)
            if fmt == "CSV":
                count = await write_csv(rows, out)
            else:
                count = await write_json(rows, out, since=since, until=until)
    seconds = time.perf_counter() - began
    peak = None
    if traced:
        peak = tracemalloc.get_traced_memory()[1] - baseline
        tracemalloc.stop()
    return count, seconds, peak


async def stream_plain_rows(kefu: Kefu, since: datetime, until: datetime) -> tuple[int, float]:
    """The baseline: the tickets, then their events, as plain rows through a streamed cursor."""
    in_range = (Ticket.created_at >= since, Ticket.created_at < until)
    began = time.perf_counter()
    count = 0
    async with kefu.db.read_only() as session:
        for query in (
            select(Ticket.__table__).where(*in_range),
            select(TicketEvent.__table__).where(
                TicketEvent.ticket_id.in_(select(Ticket.id).where(*in_range))
            ),
        ):
            result = await session.stream(query.execution_options(yield_per=CHUNK_SIZE))
            async for chunk in result.partitions():
                count += len(chunk)
    return count, time.perf_counter() - began


async def time_export(kefu: Kefu, total: int, scratch: Path) -> list[Exported]:
    since, until = days_in_utc(date(2026, 1, 1), date(2026, 12, 31), ZONE)
    tenth = YEAR_START + timedelta(seconds=YEAR_SECONDS / total * (total // 10))
    found = []
    for label, end in (("a tenth", tenth), ("the year", until)):
        for fmt in ("CSV", "JSON"):
            path = scratch / f"export.{fmt.lower()}"
            count, seconds, _ = await export_once(kefu, fmt, since, end, path, traced=False)
            _, _, peak = await export_once(kefu, fmt, since, end, path, traced=True)
            found.append(Exported(f"{fmt}, {label}", count, "tickets", seconds, peak))
        rows, seconds = await stream_plain_rows(kefu, since, end)
        found.append(Exported(f"baseline: plain rows, {label}", rows, "rows", seconds))
    return found


# --- one database -------------------------------------------------------------------------------


async def server_version(kefu: Kefu) -> str:
    async with kefu.db.read_only() as session:
        if kefu.db.dialect == "sqlite":
            return "SQLite " + str(await session.scalar(text("SELECT sqlite_version()")))
        return "PostgreSQL " + str(await session.scalar(text("SHOW server_version")))


async def measure(url: str, total: int, runs: int, scratch: Path) -> None:
    kefu = await build_services(Settings(database_url=url, timezone=ZONE.key, config=None))
    try:
        began = time.perf_counter()
        written = await fill(kefu, total)
        seeded = time.perf_counter() - began
        print(
            f"\n{await server_version(kefu)}: "
            + ", ".join(f"{count:,} {what}" for what, count in written.items())
            + f"; written in {seeded:.1f} s",
            flush=True,
        )
        timings = await time_report(kefu, runs)
        print_report(timings, runs)
        print_breakdown(*await where_the_time_goes(kefu))
        print_export(await time_export(kefu, total, scratch))
    finally:
        await kefu.db.dispose()


def print_report(timings: dict[str, Timing], runs: int) -> None:
    print(f"  report of {MONTH} ({runs} runs)      median       max")
    for key, label in STEPS.items():
        timing = timings[key]
        verdict = ""
        if key == "total":
            verdict = "  under 2 s" if timing.worst < TARGET_SECONDS else "  OVER 2 s"
        print(f"    {label:<42}{timing.median:8.3f} s{timing.worst:8.3f} s{verdict}")


def print_breakdown(total: float, spent: dict[str, list]) -> None:
    print(f"  where the time goes (one report and its charts, {total:.3f} s)")
    print(f"    {'':<42}{'calls':>6}{'queries':>9}{'seconds':>10}{'share':>7}")
    for label, (calls, statements, seconds) in sorted(spent.items(), key=lambda kv: -kv[1][2]):
        share = 100 * seconds / total if total else 0
        print(f"    {label:<42}{calls:>6}{statements:>9}{seconds:10.3f}{share:6.0f}%")
    rest = total - sum(seconds for _, _, seconds in spent.values())
    print(f"    {'the rest (assembling figures and series)':<42}{'':>15}{rest:10.3f}")


def print_export(found: list[Exported]) -> None:
    heading = f"{'count':>9}{'seconds':>9}{'per second':>17}{'peak Python memory':>20}"
    print(f"  {'export of the tickets created in 2026':<43}{heading}")
    for item in found:
        peak = f"{item.peak_bytes / 2**20:.1f} MB" if item.peak_bytes is not None else ""
        rate = f"{item.count / item.seconds:,.0f} {item.unit}"
        line = f"    {item.what:<41}{item.count:>9,}{item.seconds:9.2f}{rate:>17}{peak:>20}"
        print(line.rstrip())


async def main(total: int, databases: list[str], postgres: str, runs: int) -> None:
    print(f"A month's report and a year's export on {total:,} tickets of 2026.")
    with tempfile.TemporaryDirectory() as scratch:
        if "sqlite" in databases:
            await measure(
                f"sqlite+aiosqlite:///{Path(scratch) / 'report.db'}", total, runs, Path(scratch)
            )
        if "postgresql" in databases:
            if not await postgres_reachable(postgres):
                print(f"\nPostgreSQL not reachable at {postgres}: skipped")
                return
            async with postgres_database(postgres) as url:
                await measure(url, total, runs, Path(scratch))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        prog="python -m bench.report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--runs", type=int, default=5, help="timed reports per database")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/test",
        help="server to create a scratch database on",
    )
    arguments = parser.parse_args()
    chosen = [name.strip() for name in arguments.databases.split(",") if name.strip()]
    unknown = sorted(set(chosen) - {"sqlite", "postgresql"})
    if unknown:
        parser.error(f"--databases: unknown {', '.join(unknown)}; use sqlite and/or postgresql")
    asyncio.run(main(arguments.tickets, chosen, arguments.postgres, arguments.runs))
