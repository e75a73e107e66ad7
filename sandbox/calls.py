"""The log of every Bot API call with its parameters and outcome."""

from __future__ import annotations

import time
from collections import deque
from typing import Any


class CallLog:
    def __init__(self, keep: int = 200_000) -> None:
        self.seq = 0
        self._calls: deque[dict[str, Any]] = deque(maxlen=keep)

    def record(
        self, bot_id: int | None, method: str, params: dict[str, Any], body: dict[str, Any]
    ) -> dict[str, Any]:
        self.seq += 1
        call: dict[str, Any] = {
            "seq": self.seq,
            "time": time.time(),
            "token_bot_id": bot_id,
            "method": method,
            "params": params,
            "ok": bool(body.get("ok")),
        }
        if not call["ok"]:
            call["error_code"] = body.get("error_code")
            call["description"] = body.get("description")
        self._calls.append(call)
        return call

    def query(self, method: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        wanted = method.lower() if method else None
        return [
            call
            for call in self._calls
            if call["seq"] > after and (wanted is None or call["method"].lower() == wanted)
        ]

    def clear(self) -> None:
        self._calls.clear()
