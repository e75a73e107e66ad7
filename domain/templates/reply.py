"""A reply template composed for one ticket's customer: their language's text, filled in.

The values speak the customer's language, as the rest of the reply does. Sending and recording
are the staff relay's (`handlers.staff.templates`), so a template is a staff reply in every way.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Translator
from bot.services import Kefu
from domain.desk.card import customer_name, customer_translator, product_name
from domain.templates.placeholders import fill, text_for
from storage.models import Ticket
from storage.template_models import ReplyTemplate


@dataclass(frozen=True, slots=True)
class Composed:
    text: str  # filled in, without the signature
    language: str  # the language of the text sent
    fell_back: bool  # the customer's language had no text: English was used


def values_for(
    kefu: Kefu, t: Translator, ticket: Ticket, staff_name: str | None
) -> dict[str, str]:
    """What each placeholder stands for in this ticket, in the customer's language (`t`)."""
    # The reply itself meets the first response, so the time still to come is the resolution's;
    # it has none while the ticket waits on the customer or falls under no resolution target.
    due = ticket.resolution_due_at
    team = kefu.config.support.reply_signature == "team" or not staff_name
    return {
        "customer": customer_name(t, ticket.customer),
        "ticket": ticket.number,
        "product": product_name(kefu, t, ticket) or t.t("your product"),
        "due": t.format_time(due, kefu.timezone) if due is not None else t.t("soon"),
        "staff": t.t("our support team") if team else str(staff_name),
    }


def compose(
    kefu: Kefu, ticket: Ticket, template: ReplyTemplate, staff_name: str | None
) -> Composed:
    t = customer_translator(kefu, ticket.customer)
    chosen = text_for(template.texts, t.language)
    filled = fill(chosen.text, values_for(kefu, t, ticket, staff_name))
    return Composed(filled, chosen.language, chosen.fell_back)
