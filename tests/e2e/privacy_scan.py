"""What the privacy tests share: a scan of the whole database for personal values, Kefu at rest
for inspection, and the customer's two ways of asking for erasure.

`find_values` reflects the schema when it runs, so a table or column added later is scanned
without anyone remembering to list it. Every column is read back raw, as the driver hands it
over (no type processing), and searched as text: a JSON column in its serialized form (plain
and ASCII-escaped), a binary column as bytes (which also finds the UTF-8 of pickled strings),
anything else as `str(value)`. Matching ignores ASCII case.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services import Kefu
from sandbox.chatview import ChatView, Message, inline_buttons, text_of
from sandbox.client import SandboxUser
from storage.db import Database
from tests.conftest import TOKEN, RunningBot

BOT_ID = int(TOKEN.split(":")[0])  # the bot the tests run


@dataclass(frozen=True, order=True)
class Hit:
    """A distinctive value found in a column (in at least one row)."""

    table: str
    column: str
    value: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column} still holds {self.value!r}"


def _needles(value: str) -> set[bytes]:
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    return {form.lower().encode() for form in forms}


def _haystack(stored: Any) -> bytes:
    if isinstance(stored, bytes | bytearray | memoryview):
        return bytes(stored).lower()
    if isinstance(stored, dict | list):  # a JSON column the driver decoded
        plain = json.dumps(stored, ensure_ascii=False, default=str)
        escaped = json.dumps(stored, default=str)
        return f"{plain}\n{escaped}".lower().encode()
    return str(stored).lower().encode()


async def find_values(engine: AsyncEngine, values: Iterable[str]) -> list[Hit]:
    """Every (table, column, value) where one of `values` survives, as a substring."""
    needles = {value: _needles(value) for value in values}
    metadata = sa.MetaData()
    hits: set[Hit] = set()
    async with engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
        for table in metadata.sorted_tables:
            raw = [sa.type_coerce(c, sa.types.NullType()).label(c.name) for c in table.columns]
            for row in await connection.execute(sa.select(*raw)):
                for column, stored in row._mapping.items():
                    if stored is None:
                        continue
                    haystack = _haystack(stored)
                    hits.update(
                        Hit(table.name, column, value)
                        for value, forms in needles.items()
                        if any(form in haystack for form in forms)
                    )
    return sorted(hits)


async def wait_until_inbox_handled(kefu: Kefu, timeout: float = 10) -> None:
    """Waits until no update stored for the running bot is still waiting to be handled (what
    waits for another bot account is not its to handle: the scan shows it if it survives)."""
    unhandled = sa.text(
        "SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL AND bot_id = :bot"
    )
    async with asyncio.timeout(timeout):
        while True:
            async with kefu.db.read_only() as session:
                if await session.scalar(unhandled, {"bot": BOT_ID}) == 0:
                    return
            await asyncio.sleep(0.05)  # a polling interval inside the timeout


@asynccontextmanager
async def at_rest(kefu_bot: RunningBot) -> AsyncIterator[Database]:
    """Kefu stopped once every update is handled, and its database opened afresh.

    Stopping is what makes the check complete: PTB writes flow state (`user_states`) every
    second and on shutdown, so only a stopped bot has written everything it was going to.
    """
    assert kefu_bot.kefu is not None
    await wait_until_inbox_handled(kefu_bot.kefu)
    await kefu_bot.stop()
    database = Database(kefu_bot.settings.database_url)
    try:
        yield database
    finally:
        await database.dispose()


async def count_rows(database: Database, table: str, where: str = "1 = 1", **params: Any) -> int:
    query = sa.text(f"SELECT count(*) FROM {table} WHERE {where}")
    async with database.read_only() as session:
        return int(await session.scalar(query, params) or 0)


# --- the customer asks for erasure ---------------------------------------------------------------


def _showing(label: str) -> Any:
    def found(messages: list[Message]) -> bool:
        return any(button["text"] == label for m in messages for button in inline_buttons(m))

    return found


async def press_when_shown(user: SandboxUser, label: str) -> None:
    """Presses `label` once a bot message offers it (sent anew or edited into an old one)."""
    messages = await user.chat.wait_until(_showing(label))
    offering = next(m for m in reversed(messages) if _showing(label)([m]))
    await user.press(label, message_id=offering["message_id"])


async def wait_for_words(chat: ChatView, fragment: str, timeout: float = 10) -> Message:
    """A bot message that says `fragment`, whether sent anew or edited into an earlier one."""

    def saying(messages: list[Message]) -> list[Message]:
        return [m for m in messages if m["from"].get("is_bot") and fragment in text_of(m)]

    messages = await chat.wait_until(lambda messages: bool(saying(messages)), timeout)
    return saying(messages)[-1]


async def forget_me(user: SandboxUser) -> Message:
    """`/forget`, confirmed; the message that says what was erased."""
    await user.send("/forget")
    await press_when_shown(user, "Erase everything")
    return await wait_for_words(user.chat, "We have erased")


async def withdraw_consent(user: SandboxUser) -> Message:
    """`/privacy`, "Withdraw consent", confirmed; the message that says what was erased."""
    await user.send("/privacy")
    await press_when_shown(user, "Withdraw consent")
    await press_when_shown(user, "Withdraw and erase")
    return await wait_for_words(user.chat, "We have erased")
