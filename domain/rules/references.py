"""Order and serial numbers as customers type them from a label or an order confirmation."""

from __future__ import annotations

import re

# Letters, digits and the separators shops print on labels.
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/ ]{2,39}$")


def is_reference(text: str) -> bool:
    """Whether `text` (spaces already folded) reads as an order or serial number."""
    return _REFERENCE.match(text) is not None
