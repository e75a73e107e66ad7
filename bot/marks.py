"""Marking handled updates in the inbox, many in one transaction.

A lane waits until its update's mark is committed before it handles the next one: replayed
after a crash, an earlier update must not come after a later one of the same chat was taken
(a flow would apply an old answer to a newer step). That wait is what makes marks costly, a
write transaction per update. So the marks of updates that finish at about the same time, in
different lanes, share one transaction: the first mark starts a write, and every mark that comes
while it runs goes into the next one (a group commit). Nothing waits for a timer; alone, a mark
is written at once.
"""

from __future__ import annotations

import asyncio

from telegram import Bot

from bot.services import Kefu
from storage import inbox


class Marks:
    def __init__(self, kefu: Kefu, bot: Bot) -> None:
        self.kefu, self.bot = kefu, bot  # the bot's id is known once it is initialised
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._writing: asyncio.Task[None] | None = None

    async def mark(self, update_id: int) -> None:
        """Return once the update is marked handled (its payload dropped), committed; raise
        what the write raised if it failed (the update stays pending, for a retry)."""
        future = self._waiting.get(update_id)
        if future is None:
            future = self._waiting[update_id] = asyncio.get_running_loop().create_future()
        if self._writing is None:
            self._writing = asyncio.create_task(self._write_while_waiting())
        # Shielded: a lane cancelled at shutdown leaves the write to finish for the others.
        await asyncio.shield(future)

    async def _write_while_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, {}
                try:
                    async with self.kefu.db.core_transaction() as connection:
                        await inbox.mark_processed(
                            connection, self.bot.id, list(batch), now=self.kefu.clock.now()
                        )
                except Exception as error:
                    for future in batch.values():
                        if not future.done():
                            future.set_exception(error)
                else:
                    for future in batch.values():
                        if not future.done():
                            future.set_result(None)
        finally:
            self._writing = None
