"""A second, independent client: aiogram 3 talks to the sandbox without complaint."""

from __future__ import annotations

import asyncio
import warnings

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from sandbox.client import SandboxClient
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BOT_ID, TOKEN

ALICE = 1001


def aiogram_bot(base_url: str) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


async def test_aiogram_gets_updates_and_replies_with_keyboards(
    sandbox: Harness, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    bot = aiogram_bot(sandbox.base_url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            me = await bot.get_me()
            assert (me.id, me.is_bot, me.username) == (BOT_ID, True, "kefu_123456789_bot")
            await alice.send("/start")
            (update,) = await bot.get_updates(timeout=1)
            assert update.message.text == "/start"
            assert update.message.entities[0].type == "bot_command"
            inline = InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
            )
            sent = await bot.send_message(
                ALICE, "<b>Hi</b>", parse_mode="HTML", reply_markup=inline
            )
            assert sent.text == "Hi" and sent.entities[0].type == "bold"
            reply_keys = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Yes")]])
            await bot.send_message(ALICE, "Sure?", reply_markup=reply_keys)
        assert (await alice.keyboard())["keyboard"] == [[{"text": "Yes"}]]
        assert [m["text"] for m in await alice.chat.messages()][-2:] == ["Hi", "Sure?"]
    finally:
        await bot.session.close()


async def test_aiogram_dispatcher_polls_the_sandbox(
    sandbox: Harness, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    bot = aiogram_bot(sandbox.base_url)
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"aiogram heard: {message.text}")

    polling = asyncio.create_task(
        dispatcher.start_polling(bot, polling_timeout=1, handle_signals=False)
    )
    try:
        await alice.send("ping")
        assert (await alice.chat.wait_for_bot_message())["text"] == "aiogram heard: ping"
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 10)
