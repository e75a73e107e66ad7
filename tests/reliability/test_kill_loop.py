"""A busy period with kill -9 at random moments: nothing a customer or a staff member was told
or wrote is lost, and no finished flow comes back.

Customers go through flows (a question for a person, a complaint, a repair), write follow-ups
and answer the satisfaction survey, while staff reply in the tickets' topics and resolve them.
Meanwhile Kefu, a real process, is SIGKILLed and restarted at once, again and again: half the
kills at a random moment, half right after Kefu's answer reaches a customer (before Kefu has
read the answer to its own call, so before the update can be marked handled). Afterwards:

- every ticket number a customer was told exists and has its topic, and every ticket in the
  database was told to its customer (one request, one ticket);
- every follow-up reached its ticket's topic, and every staff reply reached its customer;
- every survey answer and comment is recorded (a comment is not taken for a follow-up, which
  would reopen the resolved ticket);
- no flow came back after it was finished (no summary, re-ask or "Cancelled" after the
  ticket's number was given), and no customer was told "Sorry, something went wrong".

Handling is at least once, so repeated messages (a question asked twice, a reply relayed
twice) are allowed: what is checked is what must never happen.

The bounded form runs by default, from a fixed seed (4961, which once found a lost survey
comment), so that CI makes the same choices every time. `KEFU_SLOW_TESTS=1` (or `-m slow`) adds
a long one, with more customers, rounds and kills, and draws a random seed. The seed is printed;
`KEFU_TEST_SEED=<seed>` replays a run's choices (the kills' timing against Kefu's own cannot be
replayed exactly).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from sandbox.chatview import Message, describe, text_of
from sandbox.client import SandboxClient
from sandbox.server import RunningSandbox
from tests.conftest import STAFF_CHAT_ID
from tests.reliability.process import KefuProcess
from tests.reliability.traffic import (
    FLOWS,
    SURVEY,
    TOLD,
    WAIT,
    Countdown,
    Round,
    Story,
    answer_late_surveys,
    cast,
    is_bot,
    live,
    scripted_config,
)

pytestmark = pytest.mark.both_databases

BOUNDED_SEED = 4961
SEED = int(
    os.environ.get("KEFU_TEST_SEED")
    or (random.randrange(1_000_000) if os.environ.get("KEFU_SLOW_TESTS") == "1" else BOUNDED_SEED)
)
APOLOGY = "Sorry, something went wrong on our side"
REOPENED = "We have reopened ticket"
# After a ticket's number was given, its flow is over: none of these may follow.
CAME_BACK = (
    "Please check your request",
    "Please check your complaint",
    "Sorry, that is not what I need here",
    "That request is no longer in progress",
    "Cancelled. Nothing was sent to our team",
)


@dataclass(frozen=True)
class Size:
    customers: int
    rounds: int  # tickets per customer, one after the other
    kills: int
    gap: tuple[float, float]  # seconds between kills


BOUNDED = Size(customers=3, rounds=2, kills=5, gap=(2.5, 7.0))
LONG = Size(customers=6, rounds=5, kills=40, gap=(1.0, 6.0))


@pytest.fixture
def kefu_config(tmp_path: Path) -> Path:
    """The survey is sent as soon as the survey job looks (its first look is 5 s after each
    start, then every 30 s)."""
    return scripted_config(tmp_path)


@pytest.mark.timeout(150)
async def test_a_busy_period_killed_at_random_loses_nothing(
    sandbox: RunningSandbox,
    client: SandboxClient,
    database_url: str,
    tmp_path: Path,
    kefu_config: Path,
) -> None:
    await busy_period(sandbox, client, database_url, tmp_path, kefu_config, BOUNDED)


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_a_long_busy_period_killed_at_random_loses_nothing(
    sandbox: RunningSandbox,
    client: SandboxClient,
    database_url: str,
    tmp_path: Path,
    kefu_config: Path,
) -> None:
    await busy_period(sandbox, client, database_url, tmp_path, kefu_config, LONG)


async def busy_period(
    sandbox: RunningSandbox,
    client: SandboxClient,
    database_url: str,
    tmp_path: Path,
    config: Path,
    size: Size,
) -> None:
    print(f"KEFU_TEST_SEED={SEED} ({size})")
    rng = random.Random(SEED)
    stories = await cast(client, size.customers)
    kefu = KefuProcess(
        sandbox.base_url,
        database_url,
        tmp_path / "kefu.log",
        KEFU_STAFF_CHAT_ID=str(STAFF_CHAT_ID),
        KEFU_CONFIG=str(config),
    )
    began = time.monotonic()
    try:
        await kefu.start()
        desk_done = Countdown(len(stories))
        killer = asyncio.create_task(kill_at_random(kefu, client, rng, size, desk_done.event))
        plans = [[rng.choice(FLOWS) for _ in range(size.rounds)] for _ in stories]
        choices = [random.Random(rng.random()) for _ in stories]
        await asyncio.gather(
            *(
                live(story, plan, c, desk_done)
                for story, plan, c in zip(stories, plans, choices, strict=True)
            )
        )
        kills = await killer
        await answer_late_surveys(kefu, stories, random.Random(rng.random()))
        await kefu.until(lambda: inbox_is_empty(kefu), WAIT, "every update is handled")
        await settle_relays(client, kefu, stories)
        assert await kefu.stop() == 0, f"Kefu did not stop cleanly:\n{kefu.tail()}"
        problems = await check(client, kefu, stories)
    finally:
        await kefu.close()
    seconds = time.monotonic() - began
    tickets = sum(1 for story in stories for r in story.rounds if r.number)
    print(f"{kills} kills, {tickets} tickets, {seconds:.0f} s; seed {SEED}")
    errors = [line for line in kefu.log_lines("ERROR") if "kefu" in line]
    assert not problems, (
        f"seed {SEED}, {kills} kills:\n- "
        + "\n- ".join(problems)
        + f"\nKefu's errors ({len(errors)}):\n"
        + "\n".join(errors[:20])
        + f"\nlog: {kefu.log}"
    )


# --- the killer --------------------------------------------------------------------------------


async def kill_at_random(
    kefu: KefuProcess,
    client: SandboxClient,
    rng: random.Random,
    size: Size,
    resolved_all: asyncio.Event,
) -> int:
    """SIGKILL and restart at once, `size.kills` times; the last kill waits until every ticket
    is resolved, so the restart's survey look (5 s after start-up) finds every survey due."""
    for kill in range(size.kills):
        if kill == size.kills - 1:
            # At a random moment, not at the next answer: that would be the first survey the
            # restart sends, and the rest of its batch would wait out their 2-minute lease.
            await resolved_all.wait()
            await asyncio.sleep(rng.uniform(0, 1))
        elif rng.random() < 0.5:
            await asyncio.sleep(rng.uniform(*size.gap))  # a random moment
        else:
            pause = rng.uniform(*size.gap)
            await asyncio.sleep(pause / 2)
            await an_answer_reaches_a_customer(client, timeout=pause)
        await kefu.kill()
        await kefu.start()
    return size.kills


async def an_answer_reaches_a_customer(client: SandboxClient, timeout: float) -> None:
    """Returns as soon as the bot answers in a private chat (or after `timeout`). Survey
    questions do not count: the survey job leases a whole batch for 2 minutes before sending
    it, so a kill after its first question holds the rest back that long (by design, see
    `domain.surveys.csat`), and a bounded run would be left with no survey to answer."""
    seq = (await client.events())["seq"]
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        data = await client.events(after=seq, timeout=remaining)
        seq = data["seq"]
        for event in data["events"]:
            if event["kind"] != "message" or event["chat_id"] < 0:
                continue
            sent = await client.chat(event["chat_id"]).messages(after=event["message_id"] - 1)
            if sent and is_bot(sent[0]) and not text_of(sent[0]).startswith(SURVEY):
                return


# --- afterwards --------------------------------------------------------------------------------


async def inbox_is_empty(kefu: KefuProcess) -> bool:
    return await kefu.scalar("SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL") == 0


async def settle_relays(client: SandboxClient, kefu: KefuProcess, stories: list[Story]) -> None:
    """Give copies still under way (queued relays, announcements) a moment to land."""

    async def all_landed() -> bool:
        staff = " ".join(text_of(m) for m in await client.chat(STAFF_CHAT_ID).messages())
        return all(
            text in staff for story in stories for r in story.rounds for text in r.follow_ups
        )

    with contextlib.suppress(AssertionError):
        await kefu.until(all_landed, 10, "every follow-up is in a topic")


@dataclass(frozen=True)
class Desk:
    """What Kefu and the sandbox hold once the busy period is over."""

    tickets: list[tuple]  # (number, the customer's Telegram id, topic id, status) per ticket
    forum: dict[str, list[int]]  # ticket number -> topics named for it
    surveys: dict[str, tuple[int | None, str | None]]  # ticket number -> score, comment
    staff_chat: list[Message]
    history: dict[str, list[str]]  # ticket number -> its service record, in short

    def topic_of(self, number: str) -> int | None:
        return next((topic for n, _, topic, _ in self.tickets if n == number), None)

    def status_of(self, number: str) -> str | None:
        return next((status for n, _, _, status in self.tickets if n == number), None)

    def topic_text(self, number: str) -> str:
        thread = self.topic_of(number)
        posts = (m for m in self.staff_chat if m.get("message_thread_id") == thread)
        return " ".join(text_of(m) for m in posts) if thread is not None else ""


async def check(client: SandboxClient, kefu: KefuProcess, stories: list[Story]) -> list[str]:
    problems = [f"{s.customer!r} stopped at {s.stuck}" for s in stories if s.stuck]
    for story in stories:
        if story.stuck:
            transcript = describe(await story.customer.chat.messages(), last=60)
            print(f"{story.customer!r}, who stopped:\n{transcript}")
    desk = await desk_afterwards(client, kefu)
    for number, threads in desk.forum.items():
        if len(threads) > 1:
            # Creating a topic and linking it to the ticket cannot be one step: a kill in
            # between leaves an empty topic, and start-up opens the ticket's topic again.
            print(f"note: {number} has topics {threads}, linked: {desk.topic_of(number)}")
    for story in stories:
        said = [m for m in await story.customer.chat.messages() if is_bot(m)]
        problems += tickets_told(story, said, desk)
        for index, current in enumerate(story.rounds):
            if current.number is not None:
                where = f"{story.customer!r} round {index} ({current.flow}, {current.number})"
                problems += [f"{where}: {p}" for p in round_kept(current, said, desk)]
    return problems


async def desk_afterwards(client: SandboxClient, kefu: KefuProcess) -> Desk:
    tickets = await kefu.query(
        "SELECT t.number, c.telegram_id, t.staff_topic_id, t.status FROM tickets t"
        " JOIN customers c ON c.id = t.customer_id ORDER BY t.number"
    )
    forum: dict[str, list[int]] = {}
    for topic in await client.chat(STAFF_CHAT_ID).topics():
        number = topic["name"].split(" ", 1)[0].removeprefix("#")
        forum.setdefault(number, []).append(topic["message_thread_id"])
    surveys = await kefu.query(
        "SELECT t.number, s.score, s.comment FROM ticket_surveys s"
        " JOIN tickets t ON t.id = s.ticket_id"
    )
    history: dict[str, list[str]] = {}
    for number, kind, at, data in await kefu.query(
        "SELECT t.number, e.kind, e.created_at, e.data FROM ticket_events e"
        " JOIN tickets t ON t.id = e.ticket_id ORDER BY e.id"
    ):
        history.setdefault(number, []).append(f"{kind} {data or ''} at {at}")
    return Desk(
        tickets,
        forum,
        {number: (score, comment) for number, score, comment in surveys},
        await client.chat(STAFF_CHAT_ID).messages(),
        history,
    )


def tickets_told(story: Story, said: list[Message], desk: Desk) -> list[str]:
    """Every number told exists with its topic; every ticket of the customer's was told."""
    customer, problems = story.customer, []
    told = [number for m in said for number in TOLD.findall(text_of(m))]
    for number in dict.fromkeys(told):
        if desk.topic_of(number) not in desk.forum.get(number, []):
            problems.append(
                f"{customer!r} was told {number}: its topic in the database is "
                f"{desk.topic_of(number)}, in the forum {desk.forum.get(number)}"
            )
    own = [number for number, telegram_id, _, _ in desk.tickets if telegram_id == customer.id]
    if untold := [number for number in own if number not in told]:
        problems.append(
            f"{customer!r}: tickets {untold} were opened but never told to the customer "
            f"(told {told}): one request opened two tickets"
        )
    if apologies := [m for m in said if APOLOGY in text_of(m)]:
        problems.append(f"{customer!r} was told:\n{describe(apologies)}")
    # Customers here write after a resolution only to comment on the survey.
    if reopened := [m for m in said if text_of(m).startswith(REOPENED)]:
        problems.append(
            f"{customer!r}: a survey comment was taken for a follow-up and reopened the "
            f"ticket:\n{describe(reopened)}"
        )
    return problems


def round_kept(current: Round, said: list[Message], desk: Desk) -> list[str]:
    """The flow stayed finished; follow-ups, the staff reply and the survey all arrived."""
    assert current.number is not None
    problems = []
    back = [
        m
        for m in said
        if current.told_at < m["message_id"] <= current.ended_at
        and text_of(m).startswith(CAME_BACK)
    ]
    if back:
        problems.append(f"the flow came back after its number was given:\n{describe(back)}")
    in_topic = desk.topic_text(current.number)
    if lost := [text for text in current.follow_ups if text not in in_topic]:
        problems.append(f"follow-ups never reached the topic: {lost}")
    if current.reply and not any(current.reply in text_of(m) for m in said):
        problems.append(
            f"the staff reply never reached the customer (written in topic {current.thread},"
            f" the ticket's topic is {desk.topic_of(current.number)})"
        )
    if current.resolved and desk.status_of(current.number) != "resolved":
        # After /resolve the customer writes only a survey comment, which reopens nothing.
        problems.append(
            f"resolved, and then {desk.status_of(current.number)} again: "
            + "; ".join(desk.history.get(current.number, []))
        )
    recorded = desk.surveys.get(current.number)
    if current.survey_answered and recorded != (current.score, current.comment):
        problems.append(
            f"the survey was answered {(current.score, current.comment)}, recorded {recorded}"
        )
    return problems
