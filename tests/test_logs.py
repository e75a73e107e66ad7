"""Logs keep ids readable and phone numbers out."""

from __future__ import annotations

import logging

import pytest

from bot.logs import KeyValueFormatter


def _format(message: str, **fields: object) -> str:
    record = logging.LogRecord("kefu", logging.INFO, __file__, 1, message, None, None)
    record.fields = fields
    return KeyValueFormatter().format(record)


@pytest.mark.parametrize("phone", ["+86 138 0013 8000", "13800138000", "021-6888-1234"])
def test_phone_numbers_are_masked(phone: str) -> None:
    line = _format(f"customer shared {phone}", contact=phone)
    assert phone not in line and line.count("<phone>") == 2


def test_telegram_ids_and_usernames_stay_readable() -> None:
    line = _format("Kefu is running", bot="kefu_7000000001_bot", user=1234567890)
    assert "kefu_7000000001_bot" in line and "user=1234567890" in line
