"""The baseline of `bench.throughput`: a bare python-telegram-bot bot, no database, no Kefu.

    python -m bench.baseline.bare_ptb --api-url http://127.0.0.1:8081 --token 1:a [--webhook P]
        [--transport httpx|aiohttp]

It answers every text with a short reply and every button press with answerCallbackQuery,
handling 16 updates at once (`concurrent_updates`), as Kefu handles 16 chats at once. Polling
is PTB's own Updater; by webhook, an aiohttp endpoint puts each update on PTB's update queue
(PTB's own webhook server needs tornado, which Kefu does not install; the work per update is
the same). `--transport aiohttp` runs it on Kefu's Bot API transport (bot.aiohttp_request)
instead of PTB's default httpx, to tell what of the difference is the transport.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from aiohttp import web
from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

CONCURRENCY = 16


async def reply(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Got it: " + (update.effective_message.text or ""))


async def answer(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer()
    assert update.effective_chat is not None
    await update.effective_chat.send_message("Pressed.")


def build(api_url: str, token: str, transport: str = "httpx") -> Application:  # type: ignore[type-arg]
    builder = (
        Application.builder()
        .token(token)
        .base_url(f"{api_url}/bot")
        .base_file_url(f"{api_url}/file/bot")
        .concurrent_updates(CONCURRENCY)
    )
    if transport == "aiohttp":
        from bot.aiohttp_request import AiohttpRequest  # only then: the baseline stays bare

        builder = builder.request(AiohttpRequest()).get_updates_request(
            AiohttpRequest(connection_pool_size=1)
        )
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, reply))
    application.add_handler(CallbackQueryHandler(answer))
    return application


async def serve(api_url: str, token: str, webhook_port: int | None, transport: str) -> None:
    application = build(api_url, token, transport)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        await application.start()
        if webhook_port is None:
            assert application.updater is not None
            await application.updater.start_polling(timeout=10, allowed_updates=Update.ALL_TYPES)
            await stop.wait()
            await application.updater.stop()
        else:

            async def deliver(request: web.Request) -> web.Response:
                update = Update.de_json(await request.json(), application.bot)
                await application.update_queue.put(update)
                return web.Response()

            app = web.Application()
            app.router.add_post("/telegram/webhook", deliver)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", webhook_port).start()
            await application.bot.set_webhook(
                f"http://127.0.0.1:{webhook_port}/telegram/webhook", max_connections=40
            )
            await stop.wait()
            await runner.cleanup()
        await application.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--webhook", type=int, metavar="PORT", help="by webhook on this port")
    parser.add_argument("--transport", choices=("httpx", "aiohttp"), default="httpx")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.api_url, args.token, args.webhook, args.transport))


if __name__ == "__main__":
    main()
