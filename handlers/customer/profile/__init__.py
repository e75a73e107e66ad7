"""/profile: the customer reviews and corrects what Kefu holds about them (name, phone, address,
language, products), and answers the yearly check (`domain.profiles.checks`).

`states` (the flow, its states and buttons), `menu` (the profile with its buttons), `fields`
(name, phone by contact or typed, address, language), `products` (add and remove), `check`
(the yearly question's "Yes, still correct"; its "Update" enters the flow).
"""

from handlers.customer.profile.check import build_handlers
from handlers.customer.profile.flow import build_handler

__all__ = ["build_handler", "build_handlers"]
