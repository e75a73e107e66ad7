"""answerCallbackQuery: the bot's answer to a button press."""

from __future__ import annotations

import time
from typing import Any

from sandbox.botapi.registry import Call, bot_method
from sandbox.errors import QUERY_INVALID, bad_request

MAX_ANSWER_TEXT = 200


@bot_method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    query_id = call.args.text("callback_query_id").strip()
    if not query_id:
        raise bad_request('parameter "callback_query_id" is required')
    pending = call.state.callbacks.get(query_id)
    ttl = call.state.config.callback_query_ttl
    expired = pending is not None and ttl is not None and time.time() - pending.created > ttl
    # Unknown, already answered, another bot's or too late: Telegram says the same for all.
    if pending is None or pending.answer is not None or pending.bot_id != call.bot.id or expired:
        raise bad_request(QUERY_INVALID)
    text = call.args.text("text")
    if len(text) > MAX_ANSWER_TEXT:
        raise bad_request("MESSAGE_TOO_LONG")
    answer: dict[str, Any] = {"show_alert": call.args.flag("show_alert")}
    if text:
        answer["text"] = text
    if call.args.text("url"):
        answer["url"] = call.args.text("url")
    if call.args.text("cache_time"):
        answer["cache_time"] = call.args.int("cache_time")
    pending.answer = answer
    pending.answered.set()
    return True
