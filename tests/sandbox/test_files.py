"""Files travel byte for byte: uploads by the bot, getFile and downloads, users' photos."""

from __future__ import annotations

import hashlib
import struct
import zlib
from datetime import timedelta

import aiohttp
import pytest
from telegram import InputFile, InputMediaPhoto, Update
from telegram.ext import ContextTypes, MessageHandler, filters

from sandbox.client import SandboxClient
from tests.sandbox.conftest import Harness
from tests.sandbox.support import BotApi, polling, ptb_application

ALICE = 1001


def png(width: int, height: int) -> bytes:
    """A real (tiny, grey) PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_bot_uploads_and_downloads_byte_for_byte(
    sandbox: Harness, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE, "Alice")
    report = bytes(range(256)) * 40 + "报告".encode()
    image = png(640, 480)
    app = ptb_application(sandbox.base_url)
    async with app:
        bot = app.bot
        sent = await bot.send_document(
            ALICE, InputFile(report, filename="report.pdf"), caption="<b>Your</b> report",
            parse_mode="HTML",
        )  # fmt: skip
        assert sent.document.file_name == "report.pdf"
        assert sent.document.mime_type == "application/pdf"
        assert sent.document.file_size == len(report)
        assert sent.caption == "Your report" and sent.caption_entities[0].type == "bold"
        downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
        assert bytes(downloaded) == report

        photo = await bot.send_photo(ALICE, image)
        size = photo.photo[-1]
        assert (size.width, size.height, size.file_size) == (640, 480, len(image))
        file = await bot.get_file(size.file_id)
        assert "/photos/file_" in file.file_path  # PTB prefixes the download URL
        assert bytes(await file.download_as_bytearray()) == image

        again = await bot.send_document(ALICE, sent.document.file_id)  # reuse by file_id
        assert again.document.file_id == sent.document.file_id
    assert await client.file(sent.document.file_id) == report
    assert [m.get("caption") for m in await alice.chat.messages()] == ["Your report", None, None]


async def test_user_photo_reaches_the_bot_intact(sandbox: Harness, client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    image = png(32, 16)

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        data = await (await message.photo[-1].get_file()).download_as_bytearray()
        digest = hashlib.sha256(bytes(data)).hexdigest()
        await message.reply_text(f"{message.caption}: {digest}")

    async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        document = update.effective_message.document
        data = await (await document.get_file()).download_as_bytearray()
        await update.effective_message.reply_text(f"{document.file_name} {bytes(data)!r}")

    app = ptb_application(sandbox.base_url)
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    async with polling(app):
        sent = await alice.send_photo(image, caption="receipt")
        assert (sent["photo"][-1]["width"], sent["photo"][-1]["height"]) == (32, 16)
        reply = await alice.chat.wait_for_bot_message()
        assert reply["text"] == f"receipt: {hashlib.sha256(image).hexdigest()}"
        await alice.send_document("notes.txt", b"serial 42\n", mime_type="text/plain")
        reply = await alice.chat.wait_for_bot_message()
        assert reply["text"] == "notes.txt b'serial 42\\n'"


async def test_albums_share_a_media_group(sandbox: Harness, client: SandboxClient) -> None:
    await client.create_user(ALICE, "Alice")
    app = ptb_application(sandbox.base_url)
    async with app:
        album = await app.bot.send_media_group(
            ALICE,
            [
                InputMediaPhoto(png(10, 10), caption="first"),
                InputMediaPhoto(png(20, 20)),
            ],
        )
    assert len(album) == 2
    assert album[0].media_group_id and album[0].media_group_id == album[1].media_group_id
    assert album[0].caption == "first" and album[1].photo[-1].width == 20


async def test_copy_and_forward_keep_the_content(api: BotApi, client: SandboxClient) -> None:
    alice = await client.create_user(ALICE, "Alice")
    await client.create_user(1002, "Bob")
    written = await alice.send_document("a.txt", b"abc", caption="original")
    copied = await api.ok(
        "copyMessage", chat_id=1002, from_chat_id=ALICE, message_id=written["message_id"],
        caption="<i>new</i>", parse_mode="HTML",
    )  # fmt: skip
    bob_chat = await client.chat(1002).messages()
    assert bob_chat[0]["message_id"] == copied["message_id"]
    assert bob_chat[0]["caption"] == "new" and bob_chat[0]["document"]["file_name"] == "a.txt"
    forwarded = await api.ok(
        "forwardMessage", chat_id=1002, from_chat_id=ALICE, message_id=written["message_id"]
    )
    assert forwarded["forward_origin"]["sender_user"]["id"] == ALICE
    assert forwarded["caption"] == "original"
    assert await api.error("copyMessage", chat_id=1002, from_chat_id=ALICE, message_id=999) == (
        400,
        "Bad Request: message to copy not found",
    )


async def test_downloads_need_a_known_path(sandbox: Harness, api: BotApi) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{sandbox.base_url}/file/bot{api.token}/photos/nope.jpg") as response,
    ):
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }


async def test_videos_travel_like_kefu_relays_them(
    sandbox: Harness, client: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22 warns when durations are read as ints
    alice = await client.create_user(ALICE, "Alice")
    await client.create_group(-1001000000001, "Desk", members=[ALICE])
    clip = b"\x00\x00\x00\x18ftypmp42" + bytes(100)
    sent = await alice.send_video(clip, duration=12, caption="it rattles")
    assert sent["video"]["duration"] == 12 and sent["video"]["mime_type"] == "video/mp4"
    app = ptb_application(sandbox.base_url)
    async with app:
        updates = await app.bot.get_updates(allowed_updates=["message"])
        video = next(u.message.video for u in updates if u.message)
        assert video.duration == timedelta(seconds=12)
        topic = await app.bot.create_forum_topic(-1001000000001, "K-1")
        relayed = await app.bot.send_video(
            -1001000000001, video.file_id, caption="it rattles",
            message_thread_id=topic.message_thread_id,
        )  # fmt: skip
        assert relayed.video.file_id == video.file_id and relayed.video.width == 1280
        data = await (await app.bot.get_file(video.file_id)).download_as_bytearray()
        assert bytes(data) == clip
