"""A real, unmodified PTB Application completes a whole exchange, by polling and by webhook."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox.client import SandboxClient
from tests.sandbox.conftest import Harness
from tests.sandbox.support import polling, ptb_application

CONFIRM = InlineKeyboardMarkup([[InlineKeyboardButton("Confirm", callback_data="confirm:1")]])
SECRET = "s3cret-token_1"


def add_confirm_flow(app: Application) -> None:
    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            f"You said: {update.message.text}", reply_markup=CONFIRM, do_quote=True
        )

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data == "confirm:1"
        await query.answer("Confirmed", show_alert=True)
        await query.edit_message_text("Confirmed ✅")

    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(CallbackQueryHandler(on_press))


async def converse(client: SandboxClient) -> None:
    alice = await client.create_user(1001, "Alice", language_code="en")
    await alice.send("hello 你好 👋")
    reply = await alice.chat.wait_for_bot_message()
    assert reply["text"] == "You said: hello 你好 👋"
    assert reply["reply_to_message"]["text"] == "hello 你好 👋"
    answer = await alice.press("Confirm")
    assert answer == {"text": "Confirmed", "show_alert": True}
    edited = await alice.chat.wait_for_edit(reply["message_id"], "Confirmed ✅")
    assert "reply_markup" not in edited  # an edit without reply_markup drops the keyboard


async def test_polling_bot_completes_a_round_trip(sandbox: Harness, client: SandboxClient) -> None:
    app = ptb_application(sandbox.base_url)
    add_confirm_flow(app)
    async with polling(app):
        await converse(client)
    (sent,) = await client.calls("sendMessage")
    # PTB posts forms; the log still shows numbers, flags and JSON fields decoded.
    assert sent["params"]["chat_id"] == 1001
    assert sent["params"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Confirm"
    methods = [c["method"] for c in await client.calls() if c["ok"]]
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(methods)
    assert {"answerCallbackQuery", "editMessageText"} <= set(methods)


@asynccontextmanager
async def webhook_bot(app: Application, secret: str) -> AsyncIterator[str]:
    """PTB without an Updater, behind its own aiohttp route (PTB's customwebhookbot shape)."""
    headers_seen: list[str] = []

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        headers_seen.append(given)
        if not hmac.compare_digest(given, secret):
            return web.Response(status=403)
        await app.update_queue.put(Update.de_json(await request.json(), app.bot))
        return web.Response()

    web_app = web.Application()
    web_app.router.add_post("/telegram", receive)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/telegram"
    try:
        async with app:
            await app.bot.set_webhook(url, secret_token=secret)
            await app.start()
            yield url
            await app.stop()
    finally:
        await runner.cleanup()
    assert headers_seen and set(headers_seen) == {secret}


async def test_webhook_bot_completes_a_round_trip(sandbox: Harness, client: SandboxClient) -> None:
    app = ptb_application(sandbox.base_url, with_updater=False)
    add_confirm_flow(app)
    async with webhook_bot(app, SECRET) as url:
        info = await app.bot.get_webhook_info()
        assert info.url == url
        await converse(client)
        assert (await app.bot.get_webhook_info()).pending_update_count == 0
    status, body = await sandbox.api.call("getUpdates")
    assert status == 409
    assert "webhook is active" in body["description"]
