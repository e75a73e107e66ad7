"""Real, unmodified Python clients run a whole exchange against the sandbox, each with its own
polling loop: python-telegram-bot (Application/Updater, and by webhook), aiogram 3
(Dispatcher.start_polling) and pyTelegramBotAPI (AsyncTeleBot.polling).

Every client plays the same bot: it answers text with an inline keyboard, answers the button's
callback query and edits the message, downloads a photo it is sent (getFile and the file URL)
and greets a group it is added to (a my_chat_member update). The sandbox's SandboxUser plays
the person; waits are ChatView's long polls, never sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import telebot.types
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, ChatMemberAdministrator, ChatMemberUpdated, Message
from aiogram.types import InlineKeyboardButton as AiogramButton
from aiogram.types import InlineKeyboardMarkup as AiogramKeyboard
from aiogram.types import KeyboardButton as AiogramKey
from aiogram.types import ReplyKeyboardMarkup as AiogramReplyKeyboard
from aiohttp import web
from telebot import asyncio_helper
from telebot.async_telebot import AsyncTeleBot
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from sandbox.client import SandboxClient
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BOT_ID, TOKEN, polling, ptb_application
from tests.sandbox.test_files import png

ALICE = 1001
DESK = -1001000000001
PHOTO = png(64, 48)
SECRET = "s3cret-token_1"


def you_said(text: str | None) -> str:
    return f"You said: {text}"


def photo_received(data: bytes) -> str:
    return f"Photo received: {len(data)} bytes"


def greeting(title: str | None, status: str) -> str:
    return f"Hello {title}, I am {status} here"


async def converse(client: SandboxClient, downloads: list[bytes]) -> None:
    """The person's side, the same for every client; `downloads` are the bytes the bot got."""
    alice = await client.create_user(ALICE, "Alice", language_code="en")
    await alice.send("hello 你好 👋")
    reply = await alice.chat.wait_for_bot_message()
    assert reply["text"] == you_said("hello 你好 👋")
    assert reply["reply_to_message"]["text"] == "hello 你好 👋"
    answer = await alice.press("Confirm")
    assert answer == {"text": "Confirmed", "show_alert": True}
    edited = await alice.chat.wait_for_edit(reply["message_id"], "Confirmed ✅")
    assert "reply_markup" not in edited  # an edit without reply_markup drops the keyboard

    await alice.send_photo(PHOTO, caption="the receipt")
    await alice.chat.wait_for_text("Photo received")
    assert downloads == [PHOTO]

    await client.create_group(DESK, "Desk", members=[ALICE])
    await client.chat(DESK).wait_for_text("Hello Desk")

    # Each update was handled exactly once: a client that lost its getUpdates offset would
    # answer the same text (and press, and photo) again and again.
    bot_texts = [m["text"] for m in await alice.chat.messages() if m["from"]["is_bot"]]
    assert bot_texts == ["Confirmed ✅", photo_received(PHOTO)]
    desk_texts = [m["text"] for m in await client.chat(DESK).messages() if m["from"]["is_bot"]]
    assert desk_texts == [greeting("Desk", "administrator")]


# -- python-telegram-bot ------------------------------------------------------------------------

PTB_CONFIRM = InlineKeyboardMarkup([[InlineKeyboardButton("Confirm", callback_data="confirm:1")]])


def add_ptb_flow(app: Application, downloads: list[bytes]) -> None:
    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            you_said(update.message.text), reply_markup=PTB_CONFIRM, do_quote=True
        )

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data == "confirm:1"
        await query.answer("Confirmed", show_alert=True)
        await query.edit_message_text("Confirmed ✅")

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        file = await update.message.photo[-1].get_file()
        downloads.append(bytes(await file.download_as_bytearray()))
        await update.message.reply_text(photo_received(downloads[-1]))

    async def on_added(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        joined = update.my_chat_member
        assert joined is not None
        await context.bot.send_message(
            joined.chat.id, greeting(joined.chat.title, joined.new_chat_member.status)
        )

    app.add_handler(MessageHandler(filters.TEXT, on_text))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(CallbackQueryHandler(on_press))
    app.add_handler(ChatMemberHandler(on_added, ChatMemberHandler.MY_CHAT_MEMBER))


async def test_ptb_polling_bot_completes_a_round_trip(
    sandbox: Harness, client: SandboxClient
) -> None:
    downloads: list[bytes] = []
    app = ptb_application(sandbox.base_url)
    add_ptb_flow(app, downloads)
    async with polling(app):
        await converse(client, downloads)
    sent = await client.calls("sendMessage")
    assert [c["params"]["chat_id"] for c in sent] == [ALICE, ALICE, DESK]
    # PTB posts forms; the log still shows numbers, flags and JSON fields decoded.
    assert sent[0]["params"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Confirm"
    methods = [c["method"] for c in await client.calls() if c["ok"]]
    assert {"getMe", "deleteWebhook", "getUpdates", "sendMessage"} <= set(methods)
    assert {"answerCallbackQuery", "editMessageText", "getFile"} <= set(methods)


@asynccontextmanager
async def ptb_webhook_bot(app: Application, secret: str) -> AsyncIterator[str]:
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


async def test_ptb_webhook_bot_completes_a_round_trip(
    sandbox: Harness, client: SandboxClient
) -> None:
    downloads: list[bytes] = []
    app = ptb_application(sandbox.base_url, with_updater=False)
    add_ptb_flow(app, downloads)
    async with ptb_webhook_bot(app, SECRET) as url:
        info = await app.bot.get_webhook_info()
        assert info.url == url
        await converse(client, downloads)
        assert (await app.bot.get_webhook_info()).pending_update_count == 0
    status, body = await sandbox.api.call("getUpdates")
    assert status == 409
    assert "webhook is active" in body["description"]


# -- aiogram 3 ----------------------------------------------------------------------------------

AIOGRAM_CONFIRM = AiogramKeyboard(
    inline_keyboard=[[AiogramButton(text="Confirm", callback_data="confirm:1")]]
)


def aiogram_bot(base_url: str) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


async def test_aiogram_dispatcher_completes_a_round_trip(
    sandbox: Harness, client: SandboxClient
) -> None:
    downloads: list[bytes] = []
    welcome_rights: list[bool] = []
    bot = aiogram_bot(sandbox.base_url)
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def on_text(message: Message) -> None:
        await message.reply(you_said(message.text), reply_markup=AIOGRAM_CONFIRM)

    @dispatcher.callback_query(F.data == "confirm:1")
    async def on_press(query: CallbackQuery) -> None:
        await query.answer("Confirmed", show_alert=True)
        assert isinstance(query.message, Message)
        await query.message.edit_text("Confirmed ✅")

    @dispatcher.message(F.photo)
    async def on_photo(message: Message, bot: Bot) -> None:
        assert message.photo is not None
        downloaded = await bot.download(message.photo[-1])
        assert downloaded is not None
        downloads.append(downloaded.getvalue())
        await message.answer(photo_received(downloads[-1]))

    @dispatcher.my_chat_member()
    async def on_added(event: ChatMemberUpdated, bot: Bot) -> None:
        # aiogram refused this whole update while the sandbox left out a field that Bot API
        # 10.3 made required.
        member = event.new_chat_member
        assert isinstance(member, ChatMemberAdministrator)
        welcome_rights.append(member.can_send_welcome_messages)
        await bot.send_message(event.chat.id, greeting(event.chat.title, member.status))

    polling_task = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
    )
    try:
        await converse(client, downloads)
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling_task, 10)
    assert welcome_rights == [True]


async def test_aiogram_calls_get_updates_and_sends_keyboards(
    sandbox: Harness, client: SandboxClient
) -> None:
    """aiogram's own method calls, outside a Dispatcher, with warnings as errors."""
    alice = await client.create_user(ALICE, "Alice")
    bot = aiogram_bot(sandbox.base_url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            me = await bot.get_me()
            assert (me.id, me.is_bot, me.username) == (BOT_ID, True, "kefu_123456789_bot")
            await alice.send("/start")
            (update,) = await bot.get_updates(timeout=1)
            assert update.message is not None and update.message.text == "/start"
            assert update.message.entities is not None
            assert update.message.entities[0].type == "bot_command"
            inline = AiogramKeyboard(
                inline_keyboard=[[AiogramButton(text="Go", callback_data="go")]]
            )
            sent = await bot.send_message(
                ALICE, "<b>Hi</b>", parse_mode="HTML", reply_markup=inline
            )
            assert sent.text == "Hi" and sent.entities is not None
            assert sent.entities[0].type == "bold"
            reply_keys = AiogramReplyKeyboard(keyboard=[[AiogramKey(text="Yes")]])
            await bot.send_message(ALICE, "Sure?", reply_markup=reply_keys)
        assert (await alice.keyboard())["keyboard"] == [[{"text": "Yes"}]]
        assert [m["text"] for m in await alice.chat.messages()][-2:] == ["Hi", "Sure?"]
    finally:
        await bot.session.close()


# -- pyTelegramBotAPI (async) -------------------------------------------------------------------


@pytest.fixture
def telebot_bot(sandbox: Harness, monkeypatch: pytest.MonkeyPatch) -> AsyncTeleBot:
    """An AsyncTeleBot aimed at the sandbox: pyTelegramBotAPI's documented way to use another
    Bot API server is to set these module-level URL templates."""
    monkeypatch.setattr(asyncio_helper, "API_URL", f"{sandbox.base_url}/bot{{0}}/{{1}}")
    monkeypatch.setattr(asyncio_helper, "FILE_URL", f"{sandbox.base_url}/file/bot{{0}}/{{1}}")
    return AsyncTeleBot(TOKEN)


async def test_telebot_polling_bot_completes_a_round_trip(
    sandbox: Harness, client: SandboxClient, telebot_bot: AsyncTeleBot
) -> None:
    bot = telebot_bot
    downloads: list[bytes] = []
    confirm = telebot.types.InlineKeyboardMarkup(
        [[telebot.types.InlineKeyboardButton("Confirm", callback_data="confirm:1")]]
    )

    @bot.message_handler(content_types=["text"])
    async def on_text(message: telebot.types.Message) -> None:
        await bot.reply_to(message, you_said(message.text), reply_markup=confirm)

    @bot.callback_query_handler(func=lambda query: query.data == "confirm:1")
    async def on_press(query: telebot.types.CallbackQuery) -> None:
        await bot.answer_callback_query(query.id, "Confirmed", show_alert=True)
        await bot.edit_message_text(
            "Confirmed ✅", query.message.chat.id, query.message.message_id
        )

    @bot.message_handler(content_types=["photo"])
    async def on_photo(message: telebot.types.Message) -> None:
        file = await bot.get_file(message.photo[-1].file_id)
        downloads.append(await bot.download_file(file.file_path))
        await bot.send_message(message.chat.id, photo_received(downloads[-1]))

    @bot.my_chat_member_handler()
    async def on_added(event: telebot.types.ChatMemberUpdated) -> None:
        await bot.send_message(
            event.chat.id, greeting(event.chat.title, event.new_chat_member.status)
        )

    # pyTelegramBotAPI sends getUpdates (and getFile, answerCallbackQuery, ...) as GET requests
    # with a form body; a sandbox that read only a GET's query string lost the offset and
    # delivered every update again, so the text was answered over and over.
    polling_task = asyncio.create_task(bot.polling(non_stop=True, timeout=1))
    try:
        await converse(client, downloads)
    finally:
        # AsyncTeleBot has no stop method: its loop returns when cancelled and closes its
        # session on the way out.
        polling_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling_task
    offsets = [c["params"].get("offset") for c in await client.calls("getUpdates")]
    assert any(offsets), "telebot never confirmed an update with an offset"
    assert len(await client.calls("answerCallbackQuery")) == 1
