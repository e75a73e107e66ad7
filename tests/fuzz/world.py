"""One fuzzing example's world: a fresh sandbox, the real Kefu polling it, and its cast.

    async with FuzzWorld.open(database_url) as world:
        for action in session:
            await world.perform(action)
        problems = await world.problems()

At the start alice has consented, has ticket K-000001 with its topic and card in the staff
chat, and has just sent /start (the main menu is her newest message); wang has never written;
liwei (staff) and amy (staff, the admin) are in the staff chat; zoe never acts and only checks
at the end that Kefu still answers /help. After every action the world waits until Kefu has
handled every update and has stopped calling the Bot API, so a sequence replays the same way
when hypothesis shrinks it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.bootstrap import build_services
from bot.clock import ShiftedClock
from bot.config import Settings
from bot.runner import run_polling
from bot.services import Kefu
from sandbox.chatview import ChatView, Message, describe, inline_buttons
from sandbox.client import SandboxApiError, SandboxClient, SandboxUser
from sandbox.server import RunningSandbox, start_sandbox
from storage import customers, inbox, tickets
from storage.enums import Language, TicketType, Warranty
from tests.conftest import ALICE, AMY, LI_WEI, STAFF_CHAT_ID, TOKEN, WANG, Person
from tests.e2e.helpers import TINY_PNG, wait_for_topic
from tests.fuzz.actions import (
    CUSTOMERS,
    FLOW_REPLIES,
    STAFF,
    Action,
    Converse,
    Edit,
    Forge,
    Press,
    PressKey,
    Send,
    Write,
)

BOT_ID = int(TOKEN.split(":")[0])
ZOE = Person(4001, "Zoe", "zoe_bystander", "en")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP4 = bytes.fromhex("000000186674797069736f6d0000020069736f6d69736f32")
PRESS_TIMEOUT = 3.0  # Kefu answers a press within milliseconds here; 3 s means never
SETTLE_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0
ANSWER_TIMEOUT = 10.0
BACKWARD_MOVES = 6  # a Converse move from here on may press Back or Cancel
QUIET = 0.06  # no new Bot API call for this long, with nothing left to handle: settled


class _Records(logging.Handler):
    """Keeps the ERROR records of Kefu's and PTB's loggers, while a world is open.

    They are kept from pytest's log capture meanwhile: shrinking replays a failure hundreds of
    times, and the report shows the last one's tracebacks anyway."""

    LOGGERS = ("kefu", "telegram")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._propagated: dict[str, bool] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> _Records:
        self._propagated = {}
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            self._propagated[name], logger.propagate = logger.propagate, False
            logger.addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            logger.removeHandler(self)
            logger.propagate = self._propagated[name]


@dataclass
class FuzzWorld:
    sandbox: RunningSandbox
    client: SandboxClient
    kefu: Kefu
    clock: ShiftedClock
    cast: dict[str, SandboxUser]
    log: _Records
    transcript: list[str] = field(default_factory=list)
    presses: list[str] = field(default_factory=list)  # callback query ids of every press
    unanswered: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)
    acted: set[str] = field(default_factory=set)

    # -- start and stop ------------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def open(cls, database_url: str) -> AsyncIterator[FuzzWorld]:
        """The world on a fresh, migrated, empty database."""
        settings = Settings(
            database_url=database_url,
            staff_chat_id=STAFF_CHAT_ID,
            admin_ids=[AMY.id],
            timezone="Asia/Shanghai",
            rate_limit=False,
        )
        # Telegram's flood limits off, in the sandbox and in Kefu's send budget: a session
        # posts into the staff group far faster than its 20 messages a minute, and queueing
        # those posts for minutes (by design) is not what this looks for.
        sandbox = await start_sandbox(default_bot_token=TOKEN, flood_limits=False)
        stop = asyncio.Event()
        polling: asyncio.Task[None] | None = None
        try:
            with _Records() as log:
                async with SandboxClient(sandbox.base_url) as client:
                    cast = await _cast(client)
                    clock = ShiftedClock()
                    kefu = await build_services(settings, clock=clock)
                    await _seed_ticket(kefu)
                    ready = asyncio.Event()
                    polling = asyncio.create_task(
                        run_polling(
                            kefu,
                            TOKEN,
                            stop,
                            base_url=sandbox.bot_api_url,
                            base_file_url=sandbox.file_url,
                            poll_timeout=1,
                            ready=ready,
                        )
                    )
                    await _started(polling, ready)
                    world = cls(sandbox, client, kefu, clock, cast, log)
                    await world._desk_ready()
                    yield world
                    if not await _stopped(polling, stop):
                        raise AssertionError(
                            f"Kefu did not stop within {STOP_TIMEOUT:g} s after the session"
                        )
        finally:
            if polling is not None:
                await _stopped(polling, stop)
            await sandbox.stop()

    async def _desk_ready(self) -> None:
        topic = await wait_for_topic(self.client, "#K-000001 ")
        view = self.client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
        await view.wait_until(lambda messages: any(inline_buttons(m) for m in messages))
        await self.cast["alice"].send("/start")  # a returning customer, at the main menu
        await self.settle("start-up")

    # -- acting ----------------------------------------------------------------------------------

    async def perform(self, action: Action) -> None:
        self.acted.add(action.who)
        try:
            outcome = await self._perform(action)
        except SandboxApiError as refused:  # what a real client could not do either
            outcome = f"not possible: {refused.error}"
        self.transcript.append(f"{action!r}\n      -> {outcome}")
        await self.settle(repr(action))

    async def _perform(self, action: Action) -> str:
        user = self.cast[action.who]
        if isinstance(action, PressKey):
            return await self._press_key(user, action.key)
        where = "private" if action.who in CUSTOMERS else action.where
        chat_id, thread_id, view = await self._place(user, where, action.topic)
        if isinstance(action, Write):
            sent = await user.send(action.text, chat_id=chat_id, thread_id=thread_id)
            return f"sent #{sent['message_id']}"
        if isinstance(action, Send):
            return await self._send(user, action, chat_id, thread_id)
        if isinstance(action, Edit):
            return await self._edit(user, action, view)
        if isinstance(action, Converse):
            return await self._converse(user, action, view, thread_id)
        bot_messages = [m for m in await view.messages() if m["from"].get("is_bot")]
        if isinstance(action, Press):
            return await self._press_button(user, action, view, bot_messages)
        assert isinstance(action, Forge)
        if not bot_messages:
            return "no bot message to press on"
        message = bot_messages[-1 - action.age % len(bot_messages)]
        return await self._press(user, view.chat_id, message, action.data, "forged", forged=True)

    async def _edit(self, user: SandboxUser, action: Edit, view: ChatView) -> str:
        mine = [m for m in await view.messages() if m["from"]["id"] == user.id and "text" in m]
        if not mine:
            return "nothing of theirs to edit"
        target = mine[-1 - action.age % len(mine)]
        await user.edit(target["message_id"], action.text, chat_id=view.chat_id)
        return f"edited #{target['message_id']}"

    async def _converse(
        self, user: SandboxUser, action: Converse, view: ChatView, thread_id: int | None
    ) -> str:
        steps = []
        for move in action.moves:
            newest = next(
                (m for m in reversed(await view.messages()) if m["from"].get("is_bot")), None
            )
            button = _next_button(newest, move)
            if newest is not None and button is not None:
                steps.append(await self._tap(user, view, newest, button, twice=action.hasty))
            else:
                reply = FLOW_REPLIES[move % len(FLOW_REPLIES)]
                chat_id = None if view.chat_id == user.id else view.chat_id
                sent = await user.send(reply, chat_id=chat_id, thread_id=thread_id)
                steps.append(f"wrote {reply!r} (#{sent['message_id']})")
            await self.settle(f"{action!r}, step {len(steps)}")
        return "\n         ".join(steps)

    async def _press_button(
        self, user: SandboxUser, action: Press, view: ChatView, bot_messages: list[Message]
    ) -> str:
        with_buttons = [
            m for m in bot_messages if any("callback_data" in b for b in inline_buttons(m))
        ]
        if not with_buttons:
            return "no button to press"
        message = with_buttons[-1 - action.age % len(with_buttons)]
        choices = [b for b in inline_buttons(message) if "callback_data" in b]
        button = choices[action.button % len(choices)]
        return await self._tap(user, view, message, button, twice=action.twice)

    async def _tap(
        self,
        user: SandboxUser,
        view: ChatView,
        message: Message,
        button: dict[str, Any],
        *,
        twice: bool,
    ) -> str:
        label, data = repr(button["text"]), button["callback_data"]
        if not twice:
            return await self._press(user, view.chat_id, message, data, label)
        # Both presses leave before the first is answered, as from a quick double tap.
        both = [self._press(user, view.chat_id, message, data, label) for _ in range(2)]
        return " / ".join(await asyncio.gather(*both))

    async def _place(
        self, user: SandboxUser, where: str, topic: int
    ) -> tuple[int | None, int | None, ChatView]:
        """The chat_id and thread_id to act with, and the view that shows that place."""
        if where == "private":
            return None, None, user.chat
        if where == "topic":
            threads = sorted(
                (t["message_thread_id"] for t in await self.client.chat(STAFF_CHAT_ID).topics()),
                reverse=True,
            )
            if threads:
                thread = threads[topic % len(threads)]
                return STAFF_CHAT_ID, thread, self.client.chat(STAFF_CHAT_ID, thread)
        return STAFF_CHAT_ID, None, self.client.chat(STAFF_CHAT_ID)

    async def _send(
        self, user: SandboxUser, action: Send, chat_id: int | None, thread_id: int | None
    ) -> str:
        where: dict[str, Any] = {"chat_id": chat_id, "thread_id": thread_id}
        caption = action.caption
        if action.kind == "photo":
            sent = await user.send_photo(TINY_PNG, caption=caption, **where)
        elif action.kind == "document":
            sent = await user.send_document(
                "receipt.pdf", PDF, mime_type="application/pdf", caption=caption, **where
            )
        elif action.kind == "video":
            sent = await user.send_video(MP4, duration=3, caption=caption, **where)
        elif action.kind == "sticker":
            sent = await user.send_sticker("😡", **where)
        elif action.kind == "contact":
            sent = await user.send_contact(f"+1555{user.id % 10**7:07d}", chat_id=chat_id)
        else:
            sent = await user.send_location(31.2304, 121.4737, **where)
        return f"sent #{sent['message_id']}"

    async def _press(
        self,
        user: SandboxUser,
        chat_id: int,
        message: Message,
        data: str,
        label: str,
        *,
        forged: bool = False,
    ) -> str:
        payload: dict[str, Any] = {
            "from": user.id,
            "chat_id": chat_id,
            "message_id": message["message_id"],
            "data": data,
            "timeout": PRESS_TIMEOUT,
        }
        if forged:
            payload["forged"] = True
        pressed = await self.client.request("POST", "/callbacks", json=payload, wait=5)
        self.presses.append(pressed["callback_query_id"])
        where = f"{label} ({data!r}) on #{message['message_id']}"
        if pressed["answer"] is None:
            self.unanswered.append(where)
            return f"pressed {where}: NO ANSWER within {PRESS_TIMEOUT:g} s"
        return f"pressed {where}: answered {pressed['answer']}"

    async def _press_key(self, user: SandboxUser, pick: int) -> str:
        shown = await user.keyboard()
        keys = [key for row in (shown or {}).get("keyboard", []) for key in row]
        if not keys:
            return "no reply keyboard"
        key = keys[pick % len(keys)]
        if key.get("request_contact"):
            sent = await user.send_contact(f"+1555{user.id % 10**7:07d}")
        else:
            sent = await user.send(key["text"])
        return f"key {key['text']!r}: sent #{sent['message_id']}"

    async def settle(self, after: str) -> None:
        """Waits until Kefu has taken and handled every update and has gone quiet."""
        queue = self.sandbox.state.bots[BOT_ID].updates
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_TIMEOUT
        seq, quiet_since = self.sandbox.state.calls.seq, loop.time()
        while loop.time() < deadline:
            await asyncio.sleep(0.01)
            now = loop.time()
            if self.sandbox.state.calls.seq != seq:
                seq, quiet_since = self.sandbox.state.calls.seq, now
                continue
            if queue.pending_count or now - quiet_since < QUIET:
                continue
            async with self.kefu.db.read_only() as session:
                if not await inbox.pending(session, BOT_ID, limit=1):
                    return
        self.unsettled.append(after)

    # -- the properties --------------------------------------------------------------------------

    async def problems(self) -> list[str]:
        """What went wrong: Kefu's errors, refused calls, presses answered other than once,
        and people who get no answer any more."""
        silent = await self._still_answering()
        await self.settle("the checks that Kefu still answers")
        found = [
            f"logged {r.levelname} by {r.name}: {r.getMessage()}\n{_traceback(r)}"
            for r in self.log.records
        ]
        found += [f"Kefu never settled after {after}" for after in self.unsettled]
        calls = await self.client.calls()
        found += [
            f"Telegram refused {c['method']} ({c['error_code']} {c['description']!r}): "
            f"{_short(c['params'])}"
            for c in calls
            if not c["ok"]
        ]
        answers = Counter(
            c["params"].get("callback_query_id")
            for c in calls
            if c["method"] == "answerCallbackQuery"
        )
        found += [f"press not answered: {where}" for where in self.unanswered]
        found += [
            f"press {query} answered {answers[query]} times"
            for query in self.presses
            if answers[query] > 1
        ]
        return found + silent

    async def _still_answering(self) -> list[str]:
        # A customer over their fair-use share is not answered until it refills (by design):
        # a minute later everyone has their whole share back.
        self.clock.advance(timedelta(minutes=1))
        # (who, where, what they send, what the answer says; None: any answer will do, as a
        # customer in the middle of a request may be asked for that first)
        checks: list[tuple[str, int | None, str, str | None]] = [
            ("zoe", None, "/help", "How Kefu works")
        ]
        checks += [(who, None, "/help", None) for who in self.cast if who in self.acted]
        if self.acted & set(STAFF):
            checks.append(("liwei", STAFF_CHAT_ID, "/sla", "Service levels"))
        silent = []
        for who, chat_id, command, expected in checks:
            user = self.cast[who]
            view = user.chat if chat_id is None else self.client.chat(chat_id)
            await view.catch_up()
            try:
                await user.send(command, chat_id=chat_id)
                if expected is None:
                    await view.wait_for_bot_message(ANSWER_TIMEOUT)
                else:
                    await view.wait_for_text(expected, ANSWER_TIMEOUT)
            except AssertionError as error:
                where = "their private chat" if chat_id is None else "the staff chat"
                silent.append(f"{who}'s {command} in {where} got no answer: {error}")
        return silent

    async def describe_chats(self) -> str:
        """The end of each chat, for a failure report."""
        parts = []
        for who in sorted(self.acted):
            parts.append(
                f"{who}'s private chat:\n{describe(await self.cast[who].chat.messages())}"
            )
        parts.append(
            f"staff chat:\n{describe(await self.client.chat(STAFF_CHAT_ID).messages(), last=12)}"
        )
        return "\n".join(parts)


async def _cast(client: SandboxClient) -> dict[str, SandboxUser]:
    cast = {}
    for name, person in (
        ("alice", ALICE),
        ("wang", WANG),
        ("liwei", LI_WEI),
        ("amy", AMY),
        ("zoe", ZOE),
    ):
        cast[name] = await client.create_user(
            person.id,
            person.first_name,
            username=person.username,
            language_code=person.language_code,
        )
    await client.create_group(
        STAFF_CHAT_ID,
        "Kefu Staff Desk",
        is_forum=True,
        members=[LI_WEI.id, AMY.id],
        admins=[AMY.id],
    )
    return cast


async def _seed_ticket(kefu: Kefu) -> None:
    """alice, consented, with an open repair ticket; Kefu announces it to the desk at start."""
    now = kefu.clock.now()
    async with kefu.db.unit_of_work() as session:
        alice = await customers.get_or_create_by_telegram(
            session, ALICE.id, now=now, language=Language.EN
        )
        await customers.record_consent(session, alice, now=now, first_name=ALICE.first_name)
        await tickets.create(
            session,
            alice,
            TicketType.REPAIR,
            now=now,
            product_id="massage-chair-m8",
            serial_number="M8-2024-0042",
            warranty=Warranty.IN_WARRANTY,
            description="The screen stays black.",
        )


async def _stopped(polling: asyncio.Task[None], stop: asyncio.Event) -> bool:
    """Stops Kefu as a redeploy would; False if it did not stop in time (then it is killed)."""
    stop.set()
    if not polling.done():
        await asyncio.wait({polling}, timeout=STOP_TIMEOUT)
    if polling.done():
        return True
    polling.cancel()
    await asyncio.gather(polling, return_exceptions=True)
    return False


async def _started(polling: asyncio.Task[None], ready: asyncio.Event) -> None:
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({waiter, polling}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if polling.done():
        polling.result()  # start-up failed: raise its error here
    assert ready.is_set(), "Kefu did not start within 30 s"


def _next_button(message: Message | None, move: int) -> dict[str, Any] | None:
    """The button a customer going along would press: one that moves the request forward for
    small moves (Back and Cancel only for large ones); None to type a reply instead."""
    buttons = [b for b in inline_buttons(message or {}) if "callback_data" in b]
    forward = [b for b in buttons if not b["callback_data"].startswith("flow:")]
    if forward and move < BACKWARD_MOVES:
        return forward[move % len(forward)]
    if buttons and move >= BACKWARD_MOVES:
        return buttons[move % len(buttons)]
    return None


def _traceback(record: logging.LogRecord) -> str:
    if record.exc_info is None:
        return ""
    return "".join(logging.Formatter().formatException(record.exc_info))


def _short(params: dict[str, Any], limit: int = 300) -> str:
    text = repr({k: v for k, v in params.items() if k != "reply_markup"})
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
