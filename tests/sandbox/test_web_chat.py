"""The sandbox's web chat page, driven in headless Chromium against a real PTB bot.

A person opens the page, picks who they are, writes to the bot, sees its reply appear live,
presses the reply's inline button and sees the message being edited in place -- all through
the sandbox's control API and long-poll change feed, with no page reload.
"""

from __future__ import annotations

import re
import shutil

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from sandbox.web import setup_web

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = "/tmp/webchat.png"

pytestmark = pytest.mark.timeout(60)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="needs Debian's Chromium on PATH (apt-get install chromium); "
    "no browser is ever downloaded",
)


def build_echo_bot(base_url: str) -> Application:
    """A tiny real bot: echoes text with an "Again" button that edits the echo when pressed."""
    again = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        await message.reply_text(f"echo: {message.text}", reply_markup=again)

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer("Sent again")
        await query.edit_message_text(f"{query.message.text} (again)", reply_markup=again)

    app = (
        Application.builder()
        .token("123456:TEST")
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.add_handler(CallbackQueryHandler(press))
    return app


@pytest.fixture
async def base_url():
    """A fresh sandbox on a free port, in-process; its base URL."""
    from sandbox.server import start_sandbox

    running = await start_sandbox(host="127.0.0.1", port=0)
    try:
        yield running.base_url.rstrip("/")
    finally:
        await running.stop()


@pytest.fixture
async def echo_bot(base_url: str):
    app = build_echo_bot(base_url)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=10)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def page():
    playwright_api = pytest.importorskip("playwright.async_api")
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(10_000)
            yield page
        finally:
            await browser.close()


@needs_chromium
async def test_person_chats_with_the_bot_in_the_browser(base_url, echo_bot, page) -> None:
    from playwright.async_api import expect

    text = "你好，客服 hello"
    async with aiohttp.ClientSession() as http:
        user = {
            "id": 424242424,
            "first_name": "李雷",
            "username": "lilei",
            "language_code": "zh-hans",
        }
        response = await http.post(f"{base_url}/sandbox/api/users", json=user)
        assert response.status == 200, await response.text()

    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    await page.goto(f"{base_url}/")

    # Pick who we are.
    await page.get_by_role("button", name=re.compile("Pick a user|李雷")).click()
    await (
        page.get_by_role("list", name="Users")
        .get_by_role("button", name=re.compile("^李雷"))
        .click()
    )
    await expect(page.locator("#acting-name")).to_contain_text("李雷")

    # Write to the bot: our message shows on the right, the bot's reply arrives live.
    messages = page.get_by_role("log", name="Messages")
    composer = page.get_by_role("textbox", name="Message")
    await composer.fill(text)
    await composer.press("Enter")
    await expect(composer).to_have_value("")
    await expect(messages.locator(".msg-row.own", has_text=text)).to_have_count(1)
    reply = messages.locator(".msg-row.other", has_text=f"echo: {text}")
    await expect(reply).to_be_visible()
    await expect(reply.locator(".edited")).to_have_count(0)

    # Press the reply's inline button: the bot's answer shows as a toast and the echo is
    # edited in place, live.
    await reply.get_by_role("button", name="Again").click()
    await expect(page.locator(".toast", has_text="Sent again")).to_be_visible()
    await expect(reply).to_contain_text(f"echo: {text} (again)")
    await expect(reply.locator(".edited")).to_be_visible()
    await expect(messages.locator(".msg-row")).to_have_count(2)

    await page.mouse.move(0, 0)
    await page.screenshot(path=SCREENSHOT, animations="disabled")
    assert problems == []


async def test_page_and_its_static_files_are_served() -> None:
    app = web.Application()
    setup_web(app)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/")
        assert response.status == 200
        assert response.content_type == "text/html"
        html = await response.text()
        config = re.search(
            r'<script type="application/json" id="sandbox-config">(.*?)</script>', html
        )
        assert config and '"apiBase": "/sandbox/api"' in config.group(1)
        assets = set(re.findall(r'"(/static/[^"?#]+)', html))
        assert {"/static/app.js", "/static/app.css", "/static/icons.svg"} <= assets
        for asset in [*assets, "/static/api.js", "/static/format.js"]:
            served = await client.get(asset)
            assert served.status == 200, asset
            assert served.headers["Cache-Control"] == "no-cache"
        assert (await client.get("/static/app.js")).content_type == "text/javascript"
        # Nothing outside static/ is reachable, however the path is spelled.
        for sneaky in ("/static/%2e%2e/web.py", "/static/..%2fweb.py", "/static/nope.js"):
            assert (await client.get(sneaky)).status == 404, sneaky
