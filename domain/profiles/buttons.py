"""Callback data of the yearly profile check's two buttons, `profile:check:yes` and
`profile:check:update`, built and parsed only here (the job that sends the check is in
`domain`, so it cannot use the customer handlers' `Button`).

Callback data can be forged: "yes" only ever stamps the presser's own profile, and only while
they have consented.
"""

from __future__ import annotations

from typing import Literal

Choice = Literal["yes", "update"]
YES_PATTERN = r"^profile:check:yes$"
UPDATE_PATTERN = r"^profile:check:update$"


def check_button(choice: Choice) -> str:
    return f"profile:check:{choice}"
