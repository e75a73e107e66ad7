"""Flow buttons: callback data built and parsed in one codec; forged data is None, not an error."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import CallbackQuery, Update, User

from handlers.common.buttons import Button, number, number_pair, one_of, optional_text
from storage.enums import TicketType

KIND = Button("repair", "kind", TicketType)
PRODUCT = Button("repair", "product", optional_text)
CHOOSE = Button("follow", convert=number_pair)
OPEN = Button("mine", "open", number)
VISIT = Button("repair", "visit", one_of("yes", "no"))
CONFIRM: Button[Any] = Button("repair", "confirm")


def pressed(data: str | None) -> Update:
    user = User(1, "Alice", is_bot=False)
    return Update(1, callback_query=CallbackQuery("q", user, "chat", data=data))


@pytest.mark.parametrize(
    ("button", "value", "data"),
    [
        (KIND, TicketType.REPAIR, "repair:kind:repair"),
        (PRODUCT, "shower-3", "repair:product:shower-3"),
        (PRODUCT, None, "repair:product:"),  # "Other product"
        (CHOOSE, (12, 34), "follow:12:34"),
        (OPEN, 7, "mine:open:7"),
        (CONFIRM, None, "repair:confirm"),
    ],
)
def test_what_a_button_carries_comes_back_as_its_type(
    button: Button[Any], value: Any, data: str
) -> None:
    assert button.data(value) == data
    assert button.pressed(pressed(data))
    assert button.value(pressed(data)) == value


@pytest.mark.parametrize(
    ("button", "data"),
    [
        (KIND, "repair:kind:spaceship"),
        (KIND, "repair:product:repair"),
        (CHOOSE, "follow:12"),
        (CHOOSE, "follow:12:34:56"),
        (CHOOSE, "follow:a:b"),
        (OPEN, "mine:open:-1"),
        (OPEN, "mine:open:"),
        (VISIT, "repair:visit:maybe"),
        (KIND, None),
    ],
)
def test_a_forged_or_foreign_payload_is_none(button: Button[Any], data: str | None) -> None:
    assert button.value(pressed(data)) is None


def test_a_button_without_a_value_matches_only_itself() -> None:
    assert CONFIRM.pressed(pressed("repair:confirm"))
    assert not CONFIRM.pressed(pressed("repair:confirmed"))
    assert not CONFIRM.pressed(pressed("repair:confirm:1"))
