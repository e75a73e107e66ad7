"""What the staff desk shows: the ticket card, its buttons, topic names and staff-facing words.

Everything here is in the business's staff language (`staff_translator`), except the customer's
own messages. The buttons' callback data is `domain.desk.buttons.DeskButton`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services import Kefu
from domain.desk.buttons import DeskButton
from domain.desk.wording import priority_name, status_name, type_name, warranty_name
from domain.rules.returns import Resolution, ReturnReason, Verdict
from domain.rules.warranty import warranty_ends_on
from storage import customer_notes
from storage.enums import Language, Priority, TicketStatus
from storage.models import Customer, Ticket

TOPIC_NAME_LIMIT = 128


# --- words for staff ----------------------------------------------------------------------------


def staff_translator(kefu: Kefu) -> Translator:
    """Everything posted in the staff chat is in the business's staff language."""
    return kefu.catalogs.for_language(kefu.config.support.language_default)


def customer_translator(kefu: Kefu, customer: Customer) -> Translator:
    return kefu.catalogs.for_language(customer.language)


def customer_name(t: Translator, customer: Customer) -> str:
    """The name the customer asked to be called (/profile), else their first name; only if
    they consented to keeping it (storage enforces that)."""
    name = customer.display_name or customer.first_name
    if customer.has_consented and name:
        return name
    return t.t("Customer {telegram_id}", telegram_id=customer.telegram_id)


def ticket_customer(t: Translator, ticket: Ticket) -> str:
    """Who the ticket is from, as staff see it: nobody, once its personal data was erased."""
    if ticket.personal_data_erased_at is not None:
        return t.t("erased")
    return customer_name(t, ticket.customer)


def language_name(t: Translator, language: str) -> str:
    names = {
        "en": t.t("English"),
        "zh_Hans": t.t("Simplified Chinese"),
        "zh_Hant": t.t("Traditional Chinese"),
    }
    return names.get(language, language)


def detail_rows(t: Translator, details: dict[str, object]) -> list[tuple[str, str]]:
    """The flows' facts (`ticket.details`) as (label, value) lines; unknown keys are shown raw."""
    labels = {
        "visit": t.t("Technician visit"),
        "address": t.t("Address"),
        "time_window": t.t("Time window"),
        "reason": t.t("Return reason"),
        "resolution": t.t("Customer wants"),
        "eligible": t.t("Eligibility"),
        "verdict": t.t("Verdict"),
        "window_last_day": t.t("Last day of the window"),
        "category": t.t("Complaint category"),
    }
    names = {
        "visit": {True: t.t("Yes"), False: t.t("No")},
        "eligible": {True: t.t("Eligible"), False: t.t("Not eligible")},
        "time_window": {
            "morning": t.t("Morning (9:00–12:00)"),
            "afternoon": t.t("Afternoon (13:00–17:00)"),
            "evening": t.t("Evening (18:00–20:00)"),
        },
        "reason": {
            ReturnReason.QUALITY: t.t("Quality problem"),
            ReturnReason.WRONG_ITEM: t.t("Wrong item sent"),
            ReturnReason.NOT_AS_DESCRIBED: t.t("Not as described"),
            ReturnReason.CHANGED_MIND: t.t("Changed their mind"),
            ReturnReason.OTHER: t.t("Other reason"),
        },
        "resolution": {Resolution.REFUND: t.t("Refund"), Resolution.EXCHANGE: t.t("Exchange")},
        "verdict": {
            Verdict.NO_REASON_WINDOW: t.t("within the no-reason return period"),
            Verdict.QUALITY_WINDOW: t.t("quality problem, within the exchange period"),
            Verdict.QUALITY_REFUND_WINDOW_PASSED: t.t(
                "refund period passed, an exchange is still possible"
            ),
            Verdict.WINDOW_PASSED: t.t("the return period has passed"),
        },
        "category": {
            "product": t.t("Product quality"),
            "service": t.t("Service attitude"),
            "delivery": t.t("Delivery"),
            "repair": t.t("Repair or installation work"),
            "other": t.t("Something else"),
        },
    }

    def shown(key: str, value: object) -> str:
        known: dict[object, str] = names.get(key, {})  # type: ignore[assignment]
        return known.get(value, str(value)) if isinstance(value, Hashable) else str(value)

    return [
        (labels.get(key, key), shown(key, value))
        for key, value in details.items()
        if value is not None and value != ""
    ]


def topic_name(t: Translator, ticket: Ticket) -> str:
    """The topic's title: number, type, customer, then 🚨 for an emergency and ✅ once resolved
    or closed, so the staff group's list of topics shows what burns and what is done (and
    still starts with the number)."""
    done = (" 🚨" if ticket.emergency_at is not None else "") + (
        "" if ticket.status.is_active else " ✅"
    )
    name = f"#{ticket.number} · {type_name(t, ticket.type)} · {ticket_customer(t, ticket)}"
    if len(name) + len(done) > TOPIC_NAME_LIMIT:
        name = name[: TOPIC_NAME_LIMIT - len(done) - 1] + "…"
    return name + done


def product_name(kefu: Kefu, t: Translator, ticket: Ticket) -> str | None:
    """The ticket's product in the reader's language (its id if the business dropped it)."""
    if not ticket.product_id:
        return None
    product = kefu.config.product(ticket.product_id)
    return product.name.get(Language(t.language)) if product else ticket.product_id


def warranty_ends(kefu: Kefu, ticket: Ticket) -> date | None:
    """The last day the ticket's product is covered; None without a purchase date or product."""
    product = kefu.config.product(ticket.product_id) if ticket.product_id else None
    if ticket.purchase_date is None or product is None:
        return None
    return warranty_ends_on(ticket.purchase_date, product.warranty_months)


def render_card(kefu: Kefu, t: Translator, ticket: Ticket, tags: Sequence[str] = ()) -> str:
    """The card; `tags` are the customer's (`card_tags`), which the ticket row does not hold."""
    return t.render(
        "ticket_card.html.j2",
        ticket=ticket,
        tags=list(tags),
        type=type_name(t, ticket.type),
        priority=priority_name(t, ticket.priority),
        status=status_name(t, ticket.status),
        customer=ticket_customer(t, ticket),
        language=language_name(t, ticket.customer.language),
        product=product_name(kefu, t, ticket),
        warranty=warranty_name(t, ticket.warranty),
        warranty_ends=warranty_ends(kefu, ticket),
        details=detail_rows(t, ticket.details),
        tz=kefu.timezone,
    )


async def card_tags(kefu: Kefu, ticket: Ticket) -> list[str]:
    """The customer's tags as the card shows them (a tag change marks their cards due)."""
    async with kefu.db.read_only() as session:
        return [tag.tag for tag in await customer_notes.tags_of(session, ticket.customer_id)]


def card_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    def button(label: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=DeskButton(action, ticket.id).encode())

    if ticket.status.is_active:
        row = [
            button(t.t("Claim"), "claim"),
            button(t.t("Set priority"), "priority"),
            button(t.t("Resolve"), "resolve"),
        ]
    elif ticket.status == TicketStatus.RESOLVED:
        row = [button(t.t("Reopen"), "reopen"), button(t.t("Close"), "close")]
    else:
        row = [button(t.t("Reopen"), "reopen")]
    return InlineKeyboardMarkup([row])


def resolution_prompt_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    """Under the prompt the card's Resolve posts: staff reply with a note, or press this."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t.t("Resolve without a note"),
                    callback_data=DeskButton("nonote", ticket.id).encode(),
                )
            ]
        ]
    )


def priority_keyboard(t: Translator, ticket: Ticket) -> InlineKeyboardMarkup:
    choices = [
        InlineKeyboardButton(
            ("✓ " if p == ticket.priority else "") + priority_name(t, p),
            callback_data=DeskButton("setpriority", ticket.id, p.value).encode(),
        )
        for p in Priority
    ]
    back = InlineKeyboardButton(t.t("Back"), callback_data=DeskButton("card", ticket.id).encode())
    return InlineKeyboardMarkup([choices[:2], choices[2:], [back]])
