"""Which callback queries this process has answered: each one is answered exactly once.

Telegram refuses a second answer (`400 query is too old ... or query ID is invalid`), and a
press often passes through more than one piece of code that would answer it (a flow re-asking,
the consent gate showing the notice, the error handler apologising). Remembering the ids here,
where every handler and the error handler reach it (`kefu.answered`), makes the first answer
the only one. Ids are kept for the last `KEEP` presses: a query can only be answered within
seconds of the press, so an older id can no longer matter.
"""

from __future__ import annotations

from bot.recent import Recent

KEEP = 10_000


class AnsweredQueries:
    def __init__(self) -> None:
        self._ids: Recent[str, None] = Recent(KEEP)

    def claim(self, query_id: str) -> bool:
        """True the first time for `query_id`: the caller answers it; False after that."""
        return self._ids.claim(query_id, None)

    def __contains__(self, query_id: object) -> bool:
        return query_id in self._ids
