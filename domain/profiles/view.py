"""The profile in words: as the customer reviews it (/profile, the yearly check) and as staff
read it in a ticket's topic (/customer, HTML with every stored value escaped)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from zoneinfo import ZoneInfo

from bot.business_config import BusinessConfig
from bot.i18n import Translator
from domain.desk.card import language_name
from domain.desk.wording import status_name, type_name
from storage.customer_history import Served
from storage.models import Customer, Ticket
from storage.profile_models import CustomerNote, CustomerProduct, CustomerTag
from storage.profiles import name_of

NOTE_SHOWN_CHARS = 300  # a long note is cut in /customer; /mydata and the table keep it whole
MESSAGE_LIMIT = 4000  # under Telegram's 4096, with room for the cut's mark


def product_label(
    config: BusinessConfig, t: Translator, product: CustomerProduct, *, dated: bool = True
) -> str:
    """Like "AquaPure 600G RO water purifier · AP-123 · bought 2025-03-01"."""
    known = config.product(product.product_id or "")
    parts = [known.name(t.language) if known else t.t("Other product")]
    if product.serial_number:
        parts.append(product.serial_number)
    if product.purchase_date and dated:
        parts.append(t.t("bought {date}", date=product.purchase_date.isoformat()))
    return " · ".join(parts)


def customer_view(
    config: BusinessConfig, t: Translator, customer: Customer, products: list[CustomerProduct]
) -> str:
    unset = t.t("not given")
    lines = [
        t.t("Your profile, as Kefu holds it:"),
        "",
        t.t("Name: {value}", value=name_of(customer) or unset),
        t.t("Phone: {value}", value=customer.phone or unset),
        t.t("Address: {value}", value=customer.address or unset),
        t.t("Language: {value}", value=language_name(t, customer.language.value)),
        t.t("Your products:"),
    ]
    lines += [f"• {product_label(config, t, p)}" for p in products] or [f"• {t.t('none yet')}"]
    return "\n".join(lines)


@dataclass(frozen=True)
class StaffView:
    customer: Customer
    products: list[CustomerProduct]
    tags: list[CustomerTag]
    notes: list[CustomerNote]
    history: list[Served]


def _sla(t: Translator, ticket: Ticket) -> str:
    """Met or breached once its timers have ended; running while one runs."""
    timers = [
        (ticket.first_response_deadline, ticket.first_response_met),
        (ticket.resolution_deadline, ticket.resolution_met),
    ]
    judged = [met for deadline, met in timers if deadline is not None]
    if False in judged:
        return t.t("breached")
    if not judged:
        return t.t("no target")
    if None in judged:
        return t.t("running")
    return t.t("met")


def _ticket_line(t: Translator, served: Served, zone: ZoneInfo) -> str:
    ticket = served.ticket
    csat = t.t("{score} ★", score=served.csat) if served.csat is not None else "—"
    return t.t(
        "{number} · {type} · {status} · opened {opened} · SLA {sla} · CSAT {csat}",
        number=ticket.number,
        type=type_name(t, ticket.type),
        status=status_name(t, ticket.status),
        opened=ticket.created_at.astimezone(zone).date().isoformat(),
        sla=_sla(t, ticket),
        csat=csat,
    )


def staff_view(config: BusinessConfig, t: Translator, view: StaffView, zone: ZoneInfo) -> str:
    """HTML: every value a customer or staff typed is escaped."""
    customer, unset = view.customer, t.t("not given")
    name = name_of(customer) if customer.has_consented else None
    lines = [
        f"<b>{escape(t.t('Customer profile'))}</b>",
        escape(t.t("Name: {value}", value=name or unset)),
        escape(t.t("Phone: {value}", value=customer.phone or unset)),
        escape(t.t("Address: {value}", value=customer.address or unset)),
        escape(t.t("Language: {value}", value=language_name(t, customer.language.value))),
    ]
    if customer.profile_confirmed_at is not None:
        confirmed = t.format_time(customer.profile_confirmed_at, zone)
        lines.append(escape(t.t("Profile confirmed by the customer: {when}", when=confirmed)))
    else:
        lines.append(escape(t.t("Profile not confirmed by the customer yet.")))
    lines.append(f"<b>{escape(t.t('Products'))}</b>")
    lines += [f"• {escape(product_label(config, t, p))}" for p in view.products] or ["—"]
    tags = ", ".join(
        t.t("{tag} (by {name})", tag=tag.tag, name=tag.added_by_name or tag.added_by_telegram_id)
        for tag in view.tags
    )
    lines.append(f"<b>{escape(t.t('Tags'))}</b>: {escape(tags) or '—'}")
    lines.append(f"<b>{escape(t.t('Notes'))}</b>")
    for note in view.notes:
        text = note.text if len(note.text) <= NOTE_SHOWN_CHARS else note.text[:NOTE_SHOWN_CHARS]
        cut = "…" if len(note.text) > NOTE_SHOWN_CHARS else ""
        when = t.format_time(note.created_at, zone)
        author = note.author_name or str(note.author_telegram_id)
        lines.append(f"• {escape(when)}, {escape(author)}: {escape(text)}{cut}")
    if not view.notes:
        lines.append("—")
    lines.append(f"<b>{escape(t.t('Tickets'))}</b>")
    lines += [escape(_ticket_line(t, served, zone)) for served in view.history]
    return _fit("\n".join(lines))


def _fit(html: str) -> str:
    """Cut at a line under the limit: a cut inside a tag or an entity would be refused."""
    if len(html) <= MESSAGE_LIMIT:
        return html
    kept = html[:MESSAGE_LIMIT].rsplit("\n", 1)[0]
    return f"{kept}\n…"
