"""The scheduled weekly report reaches each admin once per week, across kill -9 and restarts.

Kefu runs with `[reports]` making last week's report due from Monday 00:00 (business time), so
it is due whenever a test runs, and its start-up scan sends it. A delivery is claimed for ten
minutes (`domain.reports.delivery.LEASE`) before its messages go out; a restart within the
lease leaves a send cut short alone (as it would leave another instance's), so to see it taken
up the restarted Kefu runs with its clock past the lease, as a Kefu restarted a quarter of an
hour later would (KEFU_CLOCK_OFFSET_SECONDS: the lease itself is not configurable).

A scan that sends nothing leaves nothing to see, so a restart that must send nothing more is
watched through an admin added to KEFU_ADMIN_IDS behind the first: the scan takes the admins in
that order, so once the new admin has their report, the first admin's turn has passed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import load_business_config
from domain.reports.delivery import LEASE
from domain.sla.tracking import sla_flush_hook
from sandbox.chatview import Message, text_of
from sandbox.client import SandboxClient, SandboxUser
from storage import customers, migrate, tickets
from storage.db import Database
from storage.enums import Language, TicketStatus, TicketType
from storage.events import Actor
from tests.conftest import AMY, Person
from tests.reliability.process import KefuProcess

pytestmark = pytest.mark.both_databases

ZONE = ZoneInfo("Asia/Shanghai")  # KEFU_TIMEZONE's default
ZHANG = Person(3002, "张敏", "zhangmin_admin", "zh-hans")  # an admin who reads Chinese
OLGA = Person(3003, "Olga", "olga_admin", "en")
CONFIG = """
[reports]
scheduled = ["week"]
weekly_on = "monday"
hour = 0
"""
PAST_THE_LEASE = (LEASE + timedelta(minutes=1)).total_seconds()


def week_safe_offset() -> float:
    """Seconds to move Kefu's clock so that it and its restarts (up to an hour later) are all
    in one business week: none, unless the week ends within the hour."""
    now = datetime.now(UTC)
    local = now.astimezone(ZONE)
    later = local + timedelta(hours=1)
    if later.isocalendar()[:2] == local.isocalendar()[:2]:
        return 0.0
    monday = later.date() - timedelta(days=later.weekday())
    return (datetime.combine(monday, time(0, 5), ZONE) - now).total_seconds()


def last_monday(offset: float) -> date:
    """The first day of the last full week, as Kefu's clock (`offset` ahead) sees it."""
    today = (datetime.now(UTC) + timedelta(seconds=offset)).astimezone(ZONE).date()
    return today - timedelta(days=today.weekday() + 7)


def report_to(kefu: KefuProcess, tmp_path: Path, admin: SandboxUser) -> None:
    """Kefu will run with the weekly report due, `admin` its only admin (a partial KEFU_CONFIG:
    every other section keeps its defaults)."""
    config = tmp_path / "reports.toml"
    config.write_text(CONFIG, encoding="utf-8")
    kefu.env["KEFU_CONFIG"] = str(config)
    kefu.env["KEFU_ADMIN_IDS"] = str(admin.id)


async def amy(client: SandboxClient) -> SandboxUser:
    return await client.create_user(
        AMY.id, AMY.first_name, username=AMY.username, language_code=AMY.language_code
    )


def reports_in(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m["from"]["is_bot"] and text_of(m).startswith("Service report")]


async def deliveries(kefu: KefuProcess) -> list[tuple[int, str, int, bool]]:
    """(admin, period start, messages sent, finished) of every scheduled report so far."""
    rows = await kefu.query(
        "SELECT admin_id, period_start, delivered, sent_at IS NOT NULL FROM report_deliveries"
        " ORDER BY id"
    )
    return [
        (admin, str(start)[:10], delivered, bool(done)) for admin, start, delivered, done in rows
    ]


async def finished(kefu: KefuProcess, admin_id: int) -> bool:
    return bool(
        await kefu.scalar(
            "SELECT count(*) FROM report_deliveries WHERE admin_id = :admin"
            " AND sent_at IS NOT NULL",
            admin=admin_id,
        )
    )


async def an_admin_joins(
    kefu: KefuProcess, client: SandboxClient, person: Person, *, offset: float
) -> SandboxUser:
    """Start Kefu (stopped or killed before) with `person` added behind the admins it has, and
    return once they have the week's report, in their language (the desk's default unless they
    wrote to the bot before): the start-up scan has passed the earlier admins by then."""
    newcomer = await client.create_user(
        person.id, person.first_name, username=person.username, language_code=person.language_code
    )
    if person.language_code.startswith("zh"):  # they once wrote to the bot, in Chinese
        db = Database(kefu.database_url)
        try:
            async with db.unit_of_work() as session:
                await customers.get_or_create_by_telegram(
                    session, newcomer.id, now=datetime.now(UTC), language=Language.ZH_HANS
                )
        finally:
            await db.dispose()
    kefu.env["KEFU_ADMIN_IDS"] += f",{newcomer.id}"
    await kefu.start(clock_offset=offset)
    heading = "服务报告" if person.language_code.startswith("zh") else "Service report"
    report = await newcomer.chat.wait_for_text(heading, timeout=30)
    assert last_monday(offset).isoformat() in report["text"]
    await kefu.until(lambda: finished(kefu, newcomer.id), 20, f"{person.first_name}'s report")
    return newcomer


# --- tests -------------------------------------------------------------------------------------


async def test_a_report_whose_send_was_cut_short_by_a_kill_arrives_once_after_the_lease(
    kefu: KefuProcess, client: SandboxClient, tmp_path: Path
) -> None:
    admin = await amy(client)
    report_to(kefu, tmp_path, admin)
    base = week_safe_offset()
    monday = last_monday(base).isoformat()
    # The report's first message never reaches Telegram: its send hangs, and Kefu dies there.
    await client.add_fault("sendMessage", "hang", hang_seconds=30)

    await kefu.start(clock_offset=base)

    async def hanging() -> list[dict]:
        calls = await client.calls("sendMessage")
        return [c for c in calls if c.get("fault") == "hang"]

    hung = await kefu.until(hanging, 30, "the report's send hangs")
    assert int(hung[0]["params"]["chat_id"]) == admin.id
    assert "Service report" in str(hung[0]["params"]["text"])
    await kefu.kill()
    await client.clear_faults()
    assert reports_in(await admin.chat.messages()) == []
    assert await deliveries(kefu) == [(admin.id, monday, 0, False)]

    # Restarted at once, Kefu leaves Amy's report to the claim of the Kefu it replaced, as it
    # would to a second instance still sending it.
    await an_admin_joins(kefu, client, ZHANG, offset=base)
    assert reports_in(await admin.chat.messages()) == []
    assert await deliveries(kefu) == [(admin.id, monday, 0, False), (ZHANG.id, monday, 1, True)]

    # A quarter of an hour later the claim has run out: Amy's report goes out, once.
    assert await kefu.stop() == 0
    await kefu.start(clock_offset=base + PAST_THE_LEASE)
    report = await admin.chat.wait_for_text("Service report", timeout=30)
    assert monday in report["text"]
    assert "Nothing happened in this period" in report["text"]  # a new desk: an empty week
    await kefu.until(lambda: finished(kefu, admin.id), 20, "Amy's delivery is finished")

    # And a further restart sends nothing more, to Amy or to Zhang.
    assert await kefu.stop() == 0
    await an_admin_joins(kefu, client, OLGA, offset=base + 2 * PAST_THE_LEASE)
    assert len(reports_in(await admin.chat.messages())) == 1
    assert len(await client.chat(ZHANG.id).messages()) == 1
    assert await deliveries(kefu) == [
        (admin.id, monday, 1, True),
        (ZHANG.id, monday, 1, True),
        (OLGA.id, monday, 1, True),
    ]
    assert await kefu.stop() == 0


async def test_a_report_sent_already_is_not_sent_again_after_a_restart(
    kefu: KefuProcess, client: SandboxClient, tmp_path: Path
) -> None:
    admin = await amy(client)
    report_to(kefu, tmp_path, admin)
    base = week_safe_offset()
    monday = last_monday(base).isoformat()

    await kefu.start(clock_offset=base)
    await admin.chat.wait_for_text("Service report", timeout=30)
    await kefu.until(lambda: finished(kefu, admin.id), 20, "Amy's delivery is finished")

    # Restarted a quarter of an hour later, past the lease a send cut short would have had.
    assert await kefu.stop() == 0
    await an_admin_joins(kefu, client, ZHANG, offset=base + PAST_THE_LEASE)
    assert len(reports_in(await admin.chat.messages())) == 1
    assert await deliveries(kefu) == [(admin.id, monday, 1, True), (ZHANG.id, monday, 1, True)]
    assert await kefu.stop() == 0


# --- a report with charts, cut short after its text ----------------------------------------------


async def answered_last_week(url: str, telegram_id: int, monday: date) -> None:
    """A customer's repair ticket opened last Tuesday at 10:00, answered five minutes later and
    resolved at 10:30, stored with the SLA columns Kefu keeps (its flush hook)."""
    await migrate.upgrade(url)
    db = Database(url, on_ticket_flush=sla_flush_hook(load_business_config(None), ZONE))
    opened = datetime.combine(monday + timedelta(days=1), time(10), ZONE)
    try:
        async with db.unit_of_work() as session:
            customer = await customers.get_or_create_by_telegram(session, telegram_id, now=opened)
            await customers.record_consent(session, customer, now=opened, first_name="Alice")
            ticket = await tickets.create(session, customer, TicketType.REPAIR, now=opened)
            await tickets.stamp_first_response(session, ticket, now=opened + timedelta(minutes=5))
            await tickets.set_status(
                session,
                ticket,
                TicketStatus.RESOLVED,
                actor=Actor.staff(2001, "Li Wei"),
                now=opened + timedelta(minutes=30),
            )
    finally:
        await db.dispose()


async def test_a_report_cut_short_after_its_text_sends_only_its_charts_after_the_restart(
    kefu: KefuProcess, client: SandboxClient, tmp_path: Path
) -> None:
    admin = await amy(client)
    report_to(kefu, tmp_path, admin)
    base = week_safe_offset()
    monday = last_monday(base)
    await answered_last_week(kefu.database_url, 1001, monday)
    # The text goes out; the charts' send (one photo, or an album) hangs, and Kefu dies there.
    for method in ("sendPhoto", "sendMediaGroup"):
        await client.add_fault(method, "hang", hang_seconds=30)

    await kefu.start(clock_offset=base)
    text = await admin.chat.wait_for_text("Service report", timeout=30)
    assert "Opened: 1" in text["text"]

    async def hanging() -> list[dict]:
        return [c for c in await client.calls() if c.get("fault") == "hang"]

    hung = await kefu.until(hanging, 30, "the charts' send hangs")
    assert int(hung[0]["params"]["chat_id"]) == admin.id
    await kefu.kill()
    await client.clear_faults()
    assert await deliveries(kefu) == [(admin.id, monday.isoformat(), 1, False)]

    await kefu.start(clock_offset=base + PAST_THE_LEASE)

    def charts(messages: list[Message]) -> list[Message]:
        return [m for m in messages if m["from"]["is_bot"] and "photo" in m]

    shown = charts(await admin.chat.wait_until(lambda messages: bool(charts(messages)), 30))
    assert len({m.get("media_group_id") for m in shown}) == 1  # one photo or one album
    await kefu.until(lambda: finished(kefu, admin.id), 20, "Amy's delivery is finished")
    messages = await admin.chat.messages()
    assert len(reports_in(messages)) == 1
    assert charts(messages) == shown
    assert await kefu.stop() == 0
