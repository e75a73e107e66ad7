"""Customers and staff at work at the desk, as the kill loop (test_kill_loop.py) drives them
through the sandbox while Kefu is killed and restarted under them.

Each customer lives one `Story`: requests one after the other (a question for a person, a
complaint, a repair), each with its staff work (a reply in the ticket's topic, two follow-ups
from the customer, /resolve) and its survey (stars, then a comment or "No comment"). A story
writes down what was told and written, for the checks afterwards. Every wait is for a
message's text, never for a time; a step that gets no answer within `WAIT` ends the story
(`Story.stuck`), and the checks report it.

Kefu handles each update at least once, so a kill may repeat a question or a reply: the
customer answers the newest copy of a question, as a person would.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sandbox.chatview import Message, inline_buttons, text_of
from sandbox.client import SandboxClient, SandboxUser
from tests.conftest import STAFF_CHAT_ID
from tests.e2e.helpers import wait_for_topic
from tests.reliability.process import ROOT, KefuProcess

FIRST_CUSTOMER, FIRST_STAFF = 6001, 2101
WAIT = 30.0  # for any one answer: a kill and a restart (~1.5 s) may come in between
# The survey job looks 5 s after each start, then every 30 s: a survey not there within this
# is answered at the end, after the last restart.
SURVEY_WAIT = 6.0
CARD_WAIT = 10.0  # for a ticket's card in its topic, before staff write there all the same
NEVER = 1 << 62  # a message id after every other

TOLD = re.compile(r"Your ticket (K-\d+) is open")
SURVEY = "How satisfied are you"


class Countdown:
    """Set once every customer's last ticket is resolved (or their story stopped)."""

    def __init__(self, count: int) -> None:
        self.count, self.event = count, asyncio.Event()

    def done(self) -> None:
        self.count -= 1
        if self.count <= 0:
            self.event.set()


@dataclass
class Round:
    """One request of one customer, from the flow to the survey."""

    flow: str
    number: str | None = None
    told_at: int = 0  # the message that gave the number
    ended_at: int = 0  # the menu the customer's next request began from
    reply: str = ""  # the staff reply's text
    thread: int | None = None  # the topic staff wrote in (the first one named for the ticket)
    follow_ups: list[str] = field(default_factory=list)
    resolved: bool = False  # the customer was told it is resolved
    score: int | None = None
    comment: str | None = None
    survey_answered: bool = False


@dataclass
class Story:
    customer: SandboxUser
    staff: SandboxUser
    rounds: list[Round] = field(default_factory=list)
    stuck: str | None = None  # where the story stopped, if it could not go on


async def cast(client: SandboxClient, count: int) -> list[Story]:
    """`count` customers, each with a staff member of their own (one staff lane each)."""
    staff = [
        await client.create_user(FIRST_STAFF + n, f"Staff {n}", language_code="en")
        for n in range(count)
    ]
    await client.set_limits(enabled=False)
    await client.create_group(
        STAFF_CHAT_ID, "Kefu Staff Desk", is_forum=True, members=[s.id for s in staff]
    )
    # The sandbox numbers a new forum's first topic 1, which is General's id.
    await staff[0].send("Good morning, team!", chat_id=STAFF_CHAT_ID)
    customers = [
        await client.create_user(FIRST_CUSTOMER + n, f"Customer {n}", language_code="en")
        for n in range(count)
    ]
    return [Story(c, s) for c, s in zip(customers, staff, strict=True)]


def scripted_config(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """The shipped configuration, with the survey sent as soon as the survey job looks, a
    fair-use share wide enough for scripted customers, who write far faster than people (as in
    tests/conftest.py), and `replacements` ((line pattern, new text)) on top."""
    config = (ROOT / "bot" / "default_config.toml").read_text(encoding="utf-8")
    for pattern, value in (
        (r"(?m)^csat_delay_minutes = .*$", "csat_delay_minutes = 0"),
        (r"(?m)^per_minute = .*$", "per_minute = 60000"),
        (r"(?m)^burst = .*$", "burst = 10000"),
        *replacements,
    ):
        config, found = re.subn(pattern, value, config)
        assert found == 1, f"bot/default_config.toml has no line {pattern}"
    path = tmp_path / "kefu.toml"
    path.write_text(config, encoding="utf-8")
    return path


# --- a customer's story ------------------------------------------------------------------------


async def live(story: Story, plan: list[str], rng: random.Random, desk_done: Countdown) -> None:
    """The customer's requests one after the other, each with its staff work and survey (the
    last survey comes after the killer's last restart, see `answer_late_surveys`); a step that
    gets no answer within WAIT ends the story (the checks report it)."""
    customer = story.customer
    try:
        await customer.send("/start")
        await press(customer, "Accept")
        await wait_text(customer, "welcome")
        for index, flow in enumerate(plan):
            if index:
                await customer.send("/menu")  # answered "Cancelled" if a flow is under way
                menu = await wait_text(customer, "can we help")
                story.rounds[-1].ended_at = menu["message_id"]
            tag = f"c{customer.id}r{index}"
            current = Round(flow)
            story.rounds.append(current)
            await FLOW_STEPS[flow](customer, tag)
            told = await wait_text(customer, "is open")
            found = TOLD.search(text_of(told))
            assert found, text_of(told)
            current.number, current.told_at = found[1], told["message_id"]
            await desk_work(story, current, tag)
            if index < len(plan) - 1:
                await answer_survey(customer, current, rng, tag, wait=SURVEY_WAIT)
    except (AssertionError, TimeoutError) as error:
        story.stuck = f"round {len(story.rounds) - 1}: {str(error)[:1500]}"
    finally:
        desk_done.done()
        if story.rounds:
            story.rounds[-1].ended_at = NEVER


async def desk_work(story: Story, current: Round, tag: str) -> None:
    """Staff reply in the ticket's topic, the customer writes twice more, staff resolve."""
    customer, staff = story.customer, story.staff
    assert current.number is not None
    current.thread = thread = await topic_with_card(customer.client, current.number)
    current.reply = f"Reply {tag}: we will call you tomorrow."
    await staff.send(current.reply, chat_id=STAFF_CHAT_ID, thread_id=thread)
    await wait_text(customer, f"Reply {tag}")
    current.follow_ups = [f"Follow-up {n} {tag}: it also rattles." for n in (1, 2)]
    for text in current.follow_ups:
        await customer.send(text)
    await until_in_topic(customer, current, thread)
    await staff.send("/resolve", chat_id=STAFF_CHAT_ID, thread_id=thread)
    await wait_text(customer, f"Your ticket {current.number} has been resolved")
    current.resolved = True


async def topic_with_card(client: SandboxClient, number: str) -> int:
    """The ticket's topic, once its card is posted, as staff would see it: Kefu links the
    topic to the ticket before posting the card, and ignores messages in topics of no ticket.
    A kill can leave a topic without its card: between creating it and linking it (start-up
    then opens another, linked), or between linking it and posting the card (which no restart
    posts, see `domain.desk.topics`). Without a card within CARD_WAIT, staff write in the
    newest topic named for the ticket."""
    staff_chat = client.chat(STAFF_CHAT_ID)
    deadline = time.monotonic() + CARD_WAIT
    await wait_for_topic(client, f"#{number} ", timeout=WAIT)
    while True:
        named = [t for t in await staff_chat.topics() if t["name"].startswith(f"#{number} ")]
        for topic in named:
            thread = topic["message_thread_id"]
            messages = await client.chat(STAFF_CHAT_ID, thread).messages()
            if any(is_bot(m) and f"#{number}" in text_of(m) for m in messages):
                return thread
        if time.monotonic() > deadline:
            print(f"note: no card for {number} in its topics {named}")
            return max(t["message_thread_id"] for t in named)
        await asyncio.sleep(0.2)  # polling for the card


async def until_in_topic(customer: SandboxUser, current: Round, thread: int) -> None:
    """Waits until the follow-ups are in the topic. A customer asked "which ticket?" (two
    open tickets) answers with the ticket they are writing about, as a person would."""
    topic = customer.client.chat(STAFF_CHAT_ID, thread)
    answered: set[int] = set()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        shown = " ".join(text_of(m) for m in await topic.messages())
        if all(text in shown for text in current.follow_ups):
            return
        for message in await customer.chat.messages(after=current.told_at):
            for button in inline_buttons(message):
                if (
                    button["text"].startswith(f"{current.number} ·")
                    and message["message_id"] not in answered
                ):
                    answered.add(message["message_id"])
                    await customer.press(
                        button["text"], message_id=message["message_id"], timeout=1
                    )
        await asyncio.sleep(0.2)  # polling the topic and the customer's chat
    raise AssertionError(f"{current.number}: follow-ups not in the topic within {WAIT} s")


async def answer_survey(
    customer: SandboxUser, current: Round, rng: random.Random, tag: str, *, wait: float
) -> bool:
    """Stars for the ticket, then a comment or "No comment"; False if no survey came."""
    assert current.number is not None
    number = current.number

    def is_survey(message: Message) -> bool:
        return text_of(message).startswith(SURVEY) and number in text_of(message)

    try:
        question = await wait_for(customer, is_survey, wait, after=current.told_at)
    except AssertionError:
        return False
    await customer.chat.catch_up()  # what follows the press is what matters now
    current.score = rng.randint(1, 5)
    await customer.press(f"{current.score} ★", message_id=question["message_id"], timeout=1)
    prompt = await wait_text(customer, "tell us more")
    if rng.random() < 0.5:
        current.comment = f"Comment {tag}: the technician was kind."
        await customer.send(current.comment)
        await wait_text(customer, "Thank you for your feedback!")
    else:
        await customer.press("No comment", message_id=prompt["message_id"], timeout=1)
        await customer.chat.wait_until(lambda ms: buttons_gone(ms, prompt["message_id"]), WAIT)
    current.survey_answered = True
    return True


async def answer_late_surveys(kefu: KefuProcess, stories: list[Story], rng: random.Random) -> None:
    """Surveys that came after their round moved on, and the last round's: the killer's last
    restart came after every ticket was resolved, so its survey job sends them all, but those
    a killed process had claimed (`domain.surveys.csat` leases a whole batch for 2 minutes,
    then sends it) and not sent: they come after the lease, and are not waited for."""

    async def surveys_of(story: Story, choices: random.Random) -> None:
        # One at a time: a comment prompt is about the survey answered just before.
        for index, current in enumerate(story.rounds):
            if current.number is None or current.survey_answered:
                continue
            if held := await held_by_a_lease(kefu, current.number):
                print(f"note: the survey of {current.number} is held by a lease until {held}")
                continue
            try:
                answered = await answer_survey(
                    story.customer, current, choices, f"c{story.customer.id}r{index}", wait=WAIT
                )
            except (AssertionError, TimeoutError) as error:
                story.stuck = f"the survey of {current.number}: {str(error)[:1500]}"
                return
            if not answered:
                story.stuck = f"no survey for {current.number} within {WAIT} s"
                return

    waiting = [story for story in stories if not story.stuck]
    choices = [random.Random(rng.random()) for _ in waiting]
    await asyncio.gather(*map(surveys_of, waiting, choices))


async def held_by_a_lease(kefu: KefuProcess, number: str) -> datetime | None:
    """When the lease on an unsent survey ends, if it is still running: the survey comes at
    the survey job's first look after that, up to 30 s later."""
    rows = await kefu.query(
        "SELECT s.sent_at, s.claimed_until FROM ticket_surveys s"
        " JOIN tickets t ON t.id = s.ticket_id WHERE t.number = :number",
        number=number,
    )
    if not rows or rows[0][0] is not None or rows[0][1] is None:
        return None
    until = rows[0][1]
    if isinstance(until, str):  # SQLite hands raw SQL its text
        until = datetime.fromisoformat(until)
    until = until if until.tzinfo else until.replace(tzinfo=UTC)
    return until if until > datetime.now(UTC) else None


def buttons_gone(messages: list[Message], message_id: int) -> bool:
    return any(m["message_id"] == message_id and not inline_buttons(m) for m in messages)


# --- the flows, as a customer goes through them ------------------------------------------------


async def ask_a_person(customer: SandboxUser, tag: str) -> None:
    await press(customer, "Ask a question")
    await wait_text(customer, "What would you like to know?")
    await customer.send(f"Where is your service point in Pudong? ({tag})")
    await press(customer, "Talk to a person")


async def complain(customer: SandboxUser, tag: str) -> None:
    await start_a_complaint(customer)
    await finish_the_complaint(customer, f"The parcel came three days late ({tag}).")


async def start_a_complaint(customer: SandboxUser) -> None:
    """Up to the step that asks what happened."""
    await press(customer, "Complaint")
    await wait_text(customer, "What is your complaint about?")
    await press(customer, "Delivery")
    await wait_text(customer, "Please tell us what happened")


async def finish_the_complaint(customer: SandboxUser, what_happened: str) -> None:
    await customer.send(what_happened)
    await wait_text(customer, "Send photos")
    await press(customer, "Done")
    await wait_text(customer, "Please check your complaint")
    await press(customer, "Confirm and send")


async def ask_for_a_repair(customer: SandboxUser, tag: str) -> None:
    await press(customer, "Repair or installation")
    await wait_text(customer, "What do you need?")
    await press(customer, "Repair")
    await wait_text(customer, "Which product")
    await press(customer, "S3 smart toilet seat")
    await wait_text(customer, "serial number")
    await customer.send("S3-4242")
    await wait_text(customer, "When did you buy it?")
    await customer.send("2025-05-20")
    await wait_text(customer, "describe the problem")
    await customer.send(f"The seat does not heat ({tag}).")
    await wait_text(customer, "Send photos")
    await press(customer, "Done")
    await wait_text(customer, "technician to visit")
    await press(customer, "No visit needed")
    await wait_text(customer, "Please check your request")
    await press(customer, "Confirm and send")


FLOW_STEPS = {"question": ask_a_person, "complaint": complain, "repair": ask_for_a_repair}
FLOWS = list(FLOW_STEPS)


async def wait_text(customer: SandboxUser, fragment: str) -> Message:
    return await customer.chat.wait_for_text(fragment, timeout=WAIT)


async def wait_for(
    customer: SandboxUser, wanted: Callable[[Message], bool], timeout: float, *, after: int
) -> Message:
    """The first bot message after message `after` that is `wanted`."""

    def found(messages: list[Message]) -> list[Message]:
        return [m for m in messages if is_bot(m) and m["message_id"] > after and wanted(m)]

    return found(await customer.chat.wait_until(lambda ms: bool(found(ms)), timeout))[0]


async def press(customer: SandboxUser, label: str) -> None:
    """Press `label` on the newest bot message since the customer's cursor that has it (a
    repeated question's newest copy), once one is there."""
    chat = customer.chat

    def offered(messages: list[Message]) -> list[Message]:
        return [
            m
            for m in messages
            if is_bot(m)
            and m["message_id"] >= chat.cursor
            and any(b["text"] == label for b in inline_buttons(m))
        ]

    messages = await chat.wait_until(lambda ms: bool(offered(ms)), WAIT)
    # The answer to the press is not awaited: after a kill it may never come.
    await customer.press(label, message_id=offered(messages)[-1]["message_id"], timeout=1)


def is_bot(message: Message) -> bool:
    return bool(message.get("from", {}).get("is_bot"))
