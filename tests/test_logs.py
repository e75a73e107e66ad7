"""Logs keep ids readable and phone numbers, tokens and people's words out."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from bot.logs import KeyValueFormatter

TOKEN = "7000000001:TEST-TOKEN-FOR-KEFU"
# The shape BotFather hands out: the bot's id, a colon, 35 characters.
REAL_SHAPED = "6123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


def _format(message: str, *args: object, exc_info: object = None, **fields: object) -> str:
    record = logging.LogRecord("kefu", logging.INFO, __file__, 1, message, args, exc_info)
    record.fields = fields
    return KeyValueFormatter(secrets=(TOKEN,)).format(record)


@pytest.mark.parametrize("phone", ["+86 138 0013 8000", "13800138000", "021-6888-1234"])
def test_phone_numbers_are_masked(phone: str) -> None:
    line = _format(f"customer shared {phone}", contact=phone)
    assert phone not in line and line.count("<phone>") == 2


def test_telegram_ids_and_usernames_stay_readable() -> None:
    line = _format("Kefu is running", bot="kefu_7000000001_bot", user=1234567890)
    assert "kefu_7000000001_bot" in line and "user=1234567890" in line


@pytest.mark.parametrize(
    "url",
    [
        f"https://api.telegram.org/bot{TOKEN}/sendMessage",
        f"https://api.telegram.org/file/bot{TOKEN}/photos/file_1.jpg",
        "http://127.0.0.1:8081/bot7000000001:KEFU-SANDBOX-DEMO-TOKEN",  # not configured
    ],
)
def test_a_token_in_a_bot_api_url_is_masked(url: str) -> None:
    line = _format("Set Bot API URL: %s", url)
    secret = url.split("/bot")[1].split("/")[0]
    assert secret not in line and secret.partition(":")[2] not in line
    assert "/bot<token>" in line


@pytest.mark.parametrize("text", [TOKEN, REAL_SHAPED, f"token={TOKEN}", f"'{REAL_SHAPED}'"])
def test_a_token_outside_a_url_is_masked(text: str) -> None:
    line = _format("starting with %s", text)
    assert "<token>" in line and "TEST-TOKEN" not in line and "AAHdq" not in line


def test_a_phone_number_in_a_traceback_is_masked() -> None:
    logger = logging.getLogger("kefu.test_logs")
    handler = logging.StreamHandler(written := io.StringIO())
    handler.setFormatter(KeyValueFormatter(secrets=(TOKEN,)))
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("+86 138 0013 8000")
        except ValueError:
            logger.exception("could not parse the contact")
    finally:
        logger.removeHandler(handler)
    log = written.getvalue()
    assert "Traceback" in log and "ValueError: <phone>" in log and "138 0013 8000" not in log


def test_a_token_in_an_exception_message_is_masked() -> None:
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
    except ConnectionError:
        line = _format("polling failed", exc_info=sys.exc_info())
    assert "TEST-TOKEN" not in line and "/bot<token>/getMe" in line


def test_a_phone_number_in_stack_info_is_masked() -> None:
    record = logging.LogRecord("kefu", logging.INFO, __file__, 1, "here", None, None)
    record.stack_info = 'Stack (most recent call last):\n  lookup("13800138000")'
    line = KeyValueFormatter().format(record)
    assert "13800138000" not in line and 'lookup("<phone>")' in line


@pytest.mark.parametrize(
    ("logged", "kept"),
    [
        ("{'chat_id': 1101, 'text': 'my kettle hums'}", "{'chat_id': 1101, 'text': '<redacted>'}"),
        ('{"chat_id": 1101, "text": "my kettle hums"}', '{"chat_id": 1101, "text": "<redacted>"}'),
        (
            "Message(chat_id=1101, text='my kettle hums')",
            "Message(chat_id=1101, text='<redacted>')",
        ),
        # A repr switches to double quotes around a single quote, and escapes when it has both.
        ('Message(text="it\'s my kettle", id=5)', 'Message(text="<redacted>", id=5)'),
        ("{'text': 'it\\'s \"my\" kettle', 'id': 5}", "{'text': '<redacted>', 'id': 5}"),
        ('{"text": "say \\"my kettle\\"", "id": 5}', '{"text": "<redacted>", "id": 5}'),
        ("{'text': '我的水壶半夜会唱歌', 'id': 5}", "{'text': '<redacted>', 'id': 5}"),
        ("User(first_name='王芳', id=1002, username='wangfang')", None),
        ("{'caption': 'kettle.jpg', 'file_name': 'kettle.jpg'}", None),
        ("{'phone_number': '10086', 'vcard': 'BEGIN:VCARD', 'last_name': 'Wang'}", None),
        ("ForumTopic(message_thread_id=7, name='#K-000001 · Repair · 王芳')", None),
        ("{'text': 'cut short by a truncated line", "{'text': '<redacted>'"),
    ],
)
def test_personal_values_are_redacted_in_reprs_and_json(logged: str, kept: str | None) -> None:
    line = _format("Calling Bot API endpoint with parameters `%s`", logged)
    for word in ("kettle", "王芳", "wangfang", "水壶", "10086", "VCARD", "Wang", "truncated"):
        assert word not in line, line
    if kept is not None:
        assert kept in line


def test_structure_ids_and_callback_data_stay_readable() -> None:
    logged = (
        "{'update_id': 5, 'callback_query': {'from': {'id': 1101, 'first_name': 'Zyxwvu'}, "
        "'data': 't:123:resolve'}, 'chat': {'id': -1001000000001, 'title': 'Kefu Staff Desk'}}"
    )
    line = _format("Call finished with return value `%s`", logged)
    assert "'update_id': 5" in line and "'id': 1101" in line and "'id': -1001000000001" in line
    assert "'data': 't:123:resolve'" in line and "'title': 'Kefu Staff Desk'" in line
    assert "Zyxwvu" not in line


def test_keys_are_matched_whole() -> None:
    line = _format("{'context': 'kept', 'textual': 'kept', 'username_hint': 'kept'}")
    assert line.count("kept") == 3
