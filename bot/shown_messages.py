"""What this process last put on each message it edited, so that it never asks for an edit
that changes nothing.

Telegram refuses such an edit (`400 message is not modified`). A press carries its message as it
was when pressed, so two quick presses on one message both see the old content, and both would
ask for the same edit; remembering what the first one put there lets the second see it is done.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup

from bot.recent import Recent

KEEP = 2000


@dataclass(frozen=True)
class Shown:
    text: str | None
    markup: InlineKeyboardMarkup | None


def as_shown(text: str, html_text: bool) -> str:
    """The text Telegram shows for ours (Kefu's HTML tags are simple: b, i, code)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text)) if html_text else text


class ShownMessages:
    def __init__(self) -> None:
        self._shown: Recent[tuple[int, int], Shown] = Recent(KEEP)

    def get(self, chat_id: int, message_id: int) -> Shown | None:
        return self._shown.get((chat_id, message_id))

    def note(self, chat_id: int, message_id: int, shown: Shown) -> None:
        self._shown.note((chat_id, message_id), shown)
