"""A killed bot loses no SLA alert: Kefu runs as a real process against the sandbox and is
SIGKILLed again and again while its alerts come due, then restarted until they are all out.

Every alert has several destinations, posted one after the other: the ticket's topic, the staff
group's General topic and, for a breach, the escalation chat. `SlaAlert.delivered` counts those
done, so a run killed half-way through an alert resumes it after the restart, at the first
destination not yet recorded.

Each run starts with its clock further ahead (KEFU_CLOCK_OFFSET_SECONDS), so alerts come due at
start-up, when the scanner recovers and sends. A third of the kills land the moment an alert
reaches its first destination (the ticket's topic, not yet recorded), a third the moment one
reaches its second (General: the topic recorded, `delivered` = 1), a third at a random moment.

The invariant, per alert and destination: an alert recorded as sent is in each of its
destinations; it is there once, plus at most once for each kill that found it pending with that
destination next (posted but not yet recorded); nothing stays pending; nothing is posted that
was not claimed. Set KEFU_TEST_SEED to replay a run.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_business_config
from domain.sla.tracking import sla_flush_hook
from sandbox.chatview import ChatView, Message, text_of
from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from storage import customers, migrate, tickets
from storage.db import Database
from storage.enums import Priority, TicketType
from tests.conftest import STAFF_CHAT_ID
from tests.reliability.process import KefuProcess

ESCALATION_CHAT_ID = -1001000000077
STAFF_MEMBER, MANAGER = 2001, 3001
TICKETS = 4
KILLS = 8
# CI makes the same choices every run; the long runs (KEFU_SLOW_TESTS=1) draw a new seed, to
# find what a fixed one never tries. A seed whose kills all land on warnings that then went
# stale exercises no resumed delivery, and the test says so rather than pass untested.
BOUNDED_SEED = 4961
SEED = int(
    os.environ.get("KEFU_TEST_SEED")
    or (random.randrange(1_000_000) if os.environ.get("KEFU_SLOW_TESTS") == "1" else BOUNDED_SEED)
)

CONFIG = f"""
[sla]
warn_at_percent = [50]
warn_before = []
escalation_chat_id = {ESCALATION_CHAT_ID}
scan_interval_seconds = 5

[sla.policies.default.default]
clock = "calendar"
first_response = "8m"
resolution = "16m"
"""
# Alerts per ticket, minutes after it opened: first response at 4 (warning) and 8 (breach),
# resolution at 8 and 16. One warning per timer, so each alert reads differently from the
# others of its ticket (a second warning of the same timer would differ only in the time left,
# which depends on when it was sent). Tickets open 30 s apart; runs jump ahead ~2 min each,
# less than a warning's 4 minutes of validity, so a warning cut short by a kill is still due
# when the next run resumes it (a warning found past its deadline is skipped instead).
LINE = re.compile(r"^(?P<mark>\S+) (?P<number>K-\d+): (?P<timer>first response|resolution) ")
IN_TOPIC = re.compile(r"^(?P<mark>⏳|🚨) (?P<timer>First response|Resolution) (due|overdue)")
TOPIC, GENERAL, ESCALATION = "topic", "General", "escalation chat"

Key = tuple[str, str, str]  # (ticket number, timer, mark): one alert, here
Posting = tuple[Key, str]  # an alert in one destination

pytestmark = [pytest.mark.timeout(150), pytest.mark.both_databases]


@pytest.fixture
async def desk_with_managers(client: SandboxClient) -> None:
    """The staff forum group, and the managers' chat that breaches are escalated to."""
    await client.set_limits(enabled=False)  # and KEFU_RATE_LIMIT=false in KefuProcess
    await client.create_user(STAFF_MEMBER, "Li Wei", username="liwei", language_code="en")
    await client.create_user(MANAGER, "Amy", username="amy", language_code="en")
    await client.create_group(
        STAFF_CHAT_ID, "Kefu Staff Desk", is_forum=True, members=[STAFF_MEMBER, MANAGER]
    )
    await client.create_group(ESCALATION_CHAT_ID, "Managers", is_forum=False, members=[MANAGER])
    # The sandbox numbers a new forum's first topic 1, which is General's id.
    await client.user(STAFF_MEMBER).send("Good morning, team!", chat_id=STAFF_CHAT_ID)


async def seed_tickets(url: str, config_path: Path, opened: datetime) -> list[str]:
    await migrate.upgrade(url)
    config = load_business_config(config_path)
    db = Database(url, on_ticket_flush=sla_flush_hook(config, ZoneInfo("Asia/Shanghai")))
    numbers = []
    try:
        for index in range(TICKETS):
            now = opened - timedelta(seconds=30 * index)
            async with db.unit_of_work() as session:
                customer = await customers.get_or_create_by_telegram(
                    session, 5000 + index, now=now
                )
                ticket = await tickets.create(
                    session, customer, TicketType.REPAIR, now=now, priority=Priority.NORMAL
                )
                numbers.append(ticket.number)
    finally:
        await db.dispose()
    return numbers


async def alert_rows(kefu: KefuProcess) -> list[dict]:
    rows = await kefu.query(
        "SELECT a.id, t.number, a.timer, a.level, a.status, a.delivered"
        " FROM sla_alerts a JOIN tickets t ON t.id = a.ticket_id ORDER BY a.id"
    )
    return [
        {
            "key": (number, timer.replace("_", " "), "🚨" if level == "breach" else "⏳"),
            "status": status,
            "delivered": delivered,
        }
        for _id, number, timer, level, status, delivered in rows
    ]


def destinations(key: Key) -> list[str]:
    """Where an alert goes, in Kefu's order (`domain.sla.alerts.destinations`)."""
    return [TOPIC, GENERAL, ESCALATION] if key[2] == "🚨" else [TOPIC, GENERAL]


def postings(staff: list[Message], escalation: list[Message], topics: dict[int, str]) -> Counter:
    """How often each alert is in each destination."""
    found: Counter[Posting] = Counter()
    for message in staff + escalation:
        if not message.get("from", {}).get("is_bot"):
            continue
        text = text_of(message)
        thread = message.get("message_thread_id") if message.get("is_topic_message") else None
        if thread in topics:
            if match := IN_TOPIC.match(text):
                key = (topics[thread], match["timer"].lower(), match["mark"])
                found[(key, TOPIC)] += 1
        elif match := LINE.match(text):
            where = ESCALATION if message["chat"]["id"] == ESCALATION_CHAT_ID else GENERAL
            found[((match["number"], match["timer"], match["mark"]), where)] += 1
    return found


async def until_an_alert_reaches(kefu: KefuProcess, staff: ChatView, where: str) -> None:
    """Returns the moment an alert is posted in `where` (its topic, or General), so half-way
    through its delivery: at its first destination, before Kefu has recorded that; at its
    second, when the first is recorded and the second is not. Returns after 5 s without one
    (the start-up scan runs a second after start-up, then one every 5 s)."""
    while True:
        try:
            message = await staff.wait_for_bot_message(timeout=5)
        except AssertionError:
            return
        text = text_of(message)
        in_topic = bool(message.get("is_topic_message"))
        if (where == TOPIC and in_topic and IN_TOPIC.match(text)) or (
            where == GENERAL and not in_topic and LINE.match(text)
        ):
            return
        await kefu.runs_for(0)


def all_breached(numbers: list[str]) -> Callable[[list[Message]], bool]:
    def check(messages: list[Message]) -> bool:
        lines = (LINE.match(text_of(m)) for m in messages if m.get("from", {}).get("is_bot"))
        breaches = {(m["number"], m["timer"]) for m in lines if m and m["mark"] == "🚨"}
        return len(breaches) == 2 * len(numbers)

    return check


def status_is(kefu: KefuProcess, wanted: Callable[[list[dict]], bool]) -> Callable[[], Awaitable]:
    async def check() -> bool:
        return wanted(await alert_rows(kefu))

    return check


@pytest.mark.usefixtures("desk_with_managers")
async def test_killing_the_bot_at_any_moment_loses_no_alert(
    sandbox: RunningSandbox, client: SandboxClient, database_url: str, tmp_path: Path
) -> None:
    print(f"KEFU_TEST_SEED={SEED}")
    config = tmp_path / "kefu.toml"
    config.write_text(CONFIG, encoding="utf-8")
    numbers = await seed_tickets(database_url, config, datetime.now(UTC))
    kefu = KefuProcess(
        sandbox.base_url,
        database_url,
        tmp_path / "kefu.log",
        KEFU_STAFF_CHAT_ID=str(STAFF_CHAT_ID),
        KEFU_CONFIG=str(config),
    )
    watch = Watch(client.chat(STAFF_CHAT_ID), client.chat(ESCALATION_CHAT_ID))
    try:
        # Before anything is due: start-up opens the tickets' topics (`desk.jobs.recover`), so
        # every alert afterwards has all its destinations.
        await kefu.start()
        has_topics = "SELECT count(*) FROM tickets WHERE staff_topic_id IS NOT NULL"
        await kefu.until(lambda: topics_linked(kefu, has_topics), 20, "the tickets' topics")
        assert await kefu.stop() == 0
        assert await alert_rows(kefu) == [], "an alert came due before the kills began"
        watch.topics = dict(await kefu.query("SELECT staff_topic_id, number FROM tickets"))

        offset = await kill_while_alerts_come_due(kefu, watch, random.Random(SEED))
        await kefu.start(clock_offset=max(offset, 18 * 60.0))  # every deadline has passed
        await watch.staff.wait_until(all_breached(numbers), timeout=30)
        nothing_pending = status_is(kefu, lambda rows: all(r["status"] != "pending" for r in rows))
        await kefu.until(nothing_pending, 15, "every claimed alert is finished")
        assert await kefu.stop() == 0
        rows = await alert_rows(kefu)
        posted = await watch.postings()
    finally:
        await kefu.close()

    print(
        f"SLA kill test, seed {SEED}: {len(rows)} alerts, {sum(posted.values())} posts;"
        f" half-delivered at a kill: {sorted(watch.half_delivered)}"
    )
    why = f"seed {SEED}: posted {dict(posted)}; rows {rows}; in flight {dict(watch.in_flight)}"
    assert [row for row in rows if row["status"] == "pending"] == [], why
    claimed = {row["key"] for row in rows}
    assert {key for key, _ in posted} <= claimed, f"posted an alert never claimed; {why}"
    for row in rows:
        key = row["key"]
        for index, where in enumerate(destinations(key)):
            allowed = 1 + watch.in_flight[(key, index)]
            assert posted[(key, where)] <= allowed, f"{key} too often in {where}; {why}"
            if row["status"] == "sent":
                assert posted[(key, where)] >= 1, f"{key} sent but never in {where}; {why}"
    # Each kill interrupts at most one send (delivery is one message at a time).
    extra = sum(count - 1 for count in posted.values() if count > 1)
    assert extra <= KILLS, why
    for number in numbers:
        for timer in ("first response", "resolution"):
            assert [r["status"] for r in rows if r["key"] == (number, timer, "🚨")] == ["sent"]
    # Kills landed half-way through an alert's delivery (in some destinations, not all), and
    # one found a partial delivery recorded (`delivered` ≥ 1) that a later run resumed where it
    # stopped: the alert is in every destination, and no more often than allowed in those
    # already done (checked above for every alert sent).
    assert watch.half_delivered, f"no kill landed half-way through an alert's delivery; {why}"
    sent = {row["key"] for row in rows if row["status"] == "sent"}
    resumed = {key for key, done in watch.in_flight if done >= 1 and key in sent}
    assert resumed, f"no recorded partial delivery was resumed after a kill; {why}"


class Watch:
    """The alerts' destinations as the test sees them, and what each kill left pending."""

    def __init__(self, staff: ChatView, escalation: ChatView) -> None:
        self.staff, self.escalation = staff, escalation
        self.topics: dict[int, str] = {}  # topic id -> ticket number
        # (alert, destination index) -> kills that found the alert pending with that
        # destination next: each may have posted it there without recording it, so it may be
        # there once more.
        self.in_flight: Counter[tuple[Key, int]] = Counter()
        self.half_delivered: set[Key] = set()  # pending at a kill, in some destinations only

    async def postings(self) -> Counter[Posting]:
        staff, escalation = await self.staff.messages(), await self.escalation.messages()
        return postings(staff, escalation, self.topics)

    async def after_a_kill(self, kefu: KefuProcess) -> None:
        posted = await self.postings()
        for row in await alert_rows(kefu):
            if row["status"] != "pending":
                continue
            self.in_flight[(row["key"], row["delivered"])] += 1
            reached = [d for d in destinations(row["key"]) if posted[(row["key"], d)]]
            if 0 < len(reached) < len(destinations(row["key"])):
                self.half_delivered.add(row["key"])


async def kill_while_alerts_come_due(kefu: KefuProcess, watch: Watch, rng: random.Random) -> float:
    """KILLS runs, each further ahead in time and killed; the clock offset reached."""
    offset = 180.0  # the first warnings have just come due
    for run in range(KILLS):
        await watch.staff.catch_up()
        await kefu.start(clock_offset=offset)
        if run % 3 < 2:
            # Its 5 s watch starts once Kefu polls: a loaded machine can take longer than
            # that to import and start, and every kill would land before the first scan.
            await kefu.ready()
            await until_an_alert_reaches(kefu, watch.staff, [TOPIC, GENERAL][run % 3])
        else:
            await kefu.runs_for(rng.uniform(0.2, 3.0))
        await kefu.kill()
        await watch.after_a_kill(kefu)
        offset += rng.uniform(80, 120)
    return offset


async def topics_linked(kefu: KefuProcess, sql: str) -> bool:
    return await kefu.scalar(sql) == TICKETS
