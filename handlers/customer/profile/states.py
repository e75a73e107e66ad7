"""The profile flow's states and buttons, shared by its steps."""

from __future__ import annotations

from enum import IntEnum, auto
from typing import Any

from handlers.common.buttons import Button, number, one_of, optional_text
from handlers.common.flow import Flow


class Profile(IntEnum):
    MENU = auto()
    NAME = auto()
    PHONE = auto()
    ADDRESS = auto()
    LANGUAGE = auto()
    PRODUCT = auto()
    SERIAL = auto()
    PURCHASE_DATE = auto()


EDIT = Button("profile", "edit", one_of("name", "phone", "address", "language", "product"))
REMOVE = Button("profile", "remove", number)  # a customer_products row id
CORRECT: Button[Any] = Button("profile", "correct")
DONE: Button[Any] = Button("profile", "done")
PRODUCT = Button("profile", "product", optional_text)  # empty: "Other product"
NO_DATE: Button[Any] = Button("profile", "nodate")
LANGUAGE = Button("profile", "language", one_of("en", "zh_Hans", "zh_Hant"))

FLOW = Flow("profile")
