"""Customers answering surveys: the stars after a ticket and their comment, campaign answers,
follow-up visits (回访), and "Stop these messages". One feature in three modules: `answers`
(the buttons and comments, and the wiring), `visits` (a visit's answer), `verdicts` (what became
of a press, for all three)."""

from handlers.customer.surveys.answers import build_handlers

__all__ = ["build_handlers"]
