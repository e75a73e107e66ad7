"""A kill -9 while an update is being handled loses nothing: the inbox handles it after restart."""

from __future__ import annotations

from pathlib import Path

from sandbox.client import SandboxClient
from sandbox.server import start_sandbox
from tests.reliability.process import BotProcess, telegram_holds_nothing, wait_for

TOKEN = "7000000001:TEST-TOKEN-FOR-KEFU"


async def test_an_update_confirmed_to_telegram_survives_a_kill_mid_handling(tmp_path: Path):
    sandbox = await start_sandbox(default_bot_token=TOKEN)
    bot = BotProcess(sandbox.base_url, TOKEN, tmp_path / "kefu.db")
    try:
        async with SandboxClient(sandbox.base_url) as client:
            alice = await client.create_user(1001, "Alice", language_code="en")
            bot.start()
            await wait_for(lambda: client.calls("deleteWebhook"), what="the bot starts polling")

            # The reply hangs, so the bot is mid-handling when it dies.
            await client.add_fault("sendMessage", "hang", hang_seconds=60)
            await alice.send("/help")
            update_id = await wait_for(
                lambda: bot.query("SELECT update_id FROM inbox_updates WHERE processed_at IS NULL")
            )
            assert update_id
            # Telegram has been told to forget it: only the inbox still has it. (The hung reply
            # gives up after PTB's 5 s read timeout; all this happens well before.)
            await wait_for(lambda: telegram_holds_nothing(sandbox.base_url, TOKEN))
            bot.kill()

            await client.clear_faults()
            bot.start()
            reply = await alice.chat.wait_for_text("How Kefu works", timeout=30)
            assert "/tickets" in reply["text"]
            unhandled = "SELECT count(*) FROM inbox_updates WHERE processed_at IS NULL"
            await wait_for(lambda: bot.query(unhandled) == [(0,)], what="the replay is marked")
    finally:
        bot.stop()
        await sandbox.stop()
