"""The schema: SQLAlchemy 2 typed models.

All times are aware UTC datetimes (`UTCDateTime`); the repositories take `now` from the caller
so tests can drive the clock. Enums are stored as their string values.

Constraint names follow `NAMING_CONVENTION`, so later migrations (SLA due-at columns, surveys,
campaigns) can alter or drop them by name, which SQLite's batch mode needs.
"""

from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.ext.mutable import MutableDict
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.enums import (
    ActorKind,
    AttachmentKind,
    EventKind,
    Language,
    Priority,
    TicketStatus,
    TicketType,
    Warranty,
)
from storage.types import UTCDateTime, str_enum

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (comparable, indexable); top-level keys tracked for in-place changes
# (`ticket.details["address"] = ...`).
JSONDict = MutableDict.as_mutable(sa.JSON().with_variant(JSONB(), "postgresql"))


class Base(AsyncAttrs, DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSONDict,
    }


class Customer(Base):
    """A Telegram user who wrote to the bot.

    A row with `telegram_id` and `language` may exist before consent: that is operational data
    the bot needs to answer at all. Personal data (names, username, phone, email) is stored only
    after `consent_at` is set and is cleared when the customer declines; `storage.customers`
    enforces this.
    """

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    language: Mapped[Language] = mapped_column(str_enum(Language))
    first_name: Mapped[str | None] = mapped_column(sa.String(255))
    last_name: Mapped[str | None] = mapped_column(sa.String(255))
    username: Mapped[str | None] = mapped_column(sa.String(64))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(255))
    consent_at: Mapped[datetime | None]
    declined_privacy_at: Mapped[datetime | None]
    unreachable_at: Mapped[datetime | None]  # the customer blocked the bot
    campaigns_opt_out_at: Mapped[datetime | None]
    # "Stop these reminders" on a warranty or a maintenance reminder.
    warranty_reminders_off_at: Mapped[datetime | None]
    maintenance_reminders_off_at: Mapped[datetime | None]
    # The customer's profile (/profile, `storage.profiles`): how Kefu addresses them (over
    # Telegram's first name), and their address; personal, so erased like the names.
    display_name: Mapped[str | None] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    # When the customer last said the profile is right, and the yearly question's delivery: when
    # it was last sent, and the lease of the instance sending it (`storage.profile_checks`).
    profile_confirmed_at: Mapped[datetime | None]
    profile_check_sent_at: Mapped[datetime | None]
    profile_check_claimed_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def has_consented(self) -> bool:
        return self.consent_at is not None


class Ticket(Base):
    """One service case. `number` ("K-000123") is what customers and staff quote."""

    __tablename__ = "tickets"
    __table_args__ = (
        sa.Index("ix_tickets_customer_id_status", "customer_id", "status"),
        sa.UniqueConstraint("staff_chat_id", "staff_topic_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"))
    type: Mapped[TicketType] = mapped_column(str_enum(TicketType))
    status: Mapped[TicketStatus] = mapped_column(str_enum(TicketStatus))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority))
    product_id: Mapped[str | None] = mapped_column(sa.String(64))
    order_number: Mapped[str | None] = mapped_column(sa.String(64))
    serial_number: Mapped[str | None] = mapped_column(sa.String(64))
    purchase_date: Mapped[date | None]
    delivery_date: Mapped[date | None]
    warranty: Mapped[Warranty] = mapped_column(str_enum(Warranty))
    description: Mapped[str | None] = mapped_column(sa.Text)
    # Flow-specific facts: on-site visit, address, time window, return reason, refund or
    # exchange, eligibility verdict and reason, complaint category...
    details: Mapped[dict[str, Any]]
    staff_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    staff_topic_id: Mapped[int | None]
    assignee_telegram_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    assignee_name: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    reopened_at: Mapped[datetime | None]
    # Retention passed or the customer asked: see storage.erasure. The ticket stays as an
    # anonymous record (type, product, dates, statuses, SLA figures, scores).
    personal_data_erased_at: Mapped[datetime | None]
    erased_by: Mapped[str | None] = mapped_column(sa.String(16))  # "customer" or "retention"
    # The topic still to be told of the erasure (a lease while an instance is on it).
    erasure_notice_due_at: Mapped[datetime | None] = mapped_column(index=True)
    staff_card_message_id: Mapped[int | None] = mapped_column(sa.BigInteger)  # in the topic
    staff_topic_title: Mapped[str | None] = mapped_column(sa.String(128))  # as last set
    # A change the card shows was made and the card does not show it yet (`domain.desk.cards`).
    card_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # The flow draft it was made from: a replayed update finds this ticket, not a new one.
    intake_key: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    updated_at: Mapped[datetime]
    # An emergency (`domain.desk.emergency`): since when, and, once staff say so after it is
    # resolved, its cause and the measure that keeps it from happening again.
    emergency_at: Mapped[datetime | None] = mapped_column(index=True)
    emergency_cause: Mapped[str | None] = mapped_column(sa.Text)
    emergency_prevention: Mapped[str | None] = mapped_column(sa.Text)

    # SLA timers, kept in step with the fields above on every flush by the hook `domain.sla` gives
    # `Database` (storage itself knows no policy). A due time is NULL when its timer is not
    # running: no target, first response given, or the ticket resolved or closed.
    first_response_due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # The resolution clock runs in spells: it stops while the ticket waits on the customer.
    resolution_started_at: Mapped[datetime | None]  # when the current spell began
    resolution_used_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    resolution_paused_at: Mapped[datetime | None]  # set while waiting on the customer
    # What reports judge the ticket by, written as it happens (`domain.sla.tracking`): the
    # policy it falls under ("complaint.default"), each timer's deadline as it stood when the
    # timer last ran, whether the timer was met once it ended, and how long the customer
    # waited, in business seconds. Reopening clears the resolution's outcome.
    sla_policy: Mapped[str | None] = mapped_column(sa.String(64))
    first_response_deadline: Mapped[datetime | None]
    first_response_met: Mapped[bool | None]
    first_response_seconds: Mapped[int | None]
    resolution_deadline: Mapped[datetime | None]
    resolution_met: Mapped[bool | None]
    resolution_seconds: Mapped[int | None]
    # Bumped whenever a deadline changes; each timer keeps the version of its deadline, which
    # keys its alerts (`SlaAlert`), so a new deadline alerts afresh and an old one never twice.
    sla_version: Mapped[int] = mapped_column(default=0, server_default="0")
    first_response_version: Mapped[int] = mapped_column(default=0, server_default="0")
    resolution_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # The earliest pending warning or breach of a running timer; NULL when none. The alert
    # scanner's only predicate, so closed tickets cost it nothing.
    next_alert_at: Mapped[datetime | None] = mapped_column(index=True)

    # Every use of a ticket needs its customer (language, chat to relay to): load it eagerly.
    customer: Mapped[Customer] = relationship(lazy="joined", innerjoin=True)


class TicketEvent(Base):
    """Append-only service record: what happened to a ticket, when, and who did it."""

    __tablename__ = "ticket_events"
    __table_args__ = (sa.Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    actor_kind: Mapped[ActorKind] = mapped_column(str_enum(ActorKind))
    actor_telegram_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    actor_name: Mapped[str | None] = mapped_column(sa.String(255))
    text: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    # A customer message still to be copied into the topic (a lease while a relay is on it);
    # NULL once copied, and for every other event. See `storage.relays`.
    relay_due_at: Mapped[datetime | None] = mapped_column(index=True)
    # An event the automation rules have still to look at (a trigger of one of them); NULL once
    # they have, and for every other event. See `domain.automation.triggers`.
    automation_due_at: Mapped[datetime | None] = mapped_column(index=True)


class Attachment(Base):
    """A file sent on a ticket. Telegram keeps the bytes; we keep the ids to resend them."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_events.id", ondelete="SET NULL")
    )
    kind: Mapped[AttachmentKind] = mapped_column(str_enum(AttachmentKind))
    telegram_file_id: Mapped[str] = mapped_column(sa.String(255))
    telegram_file_unique_id: Mapped[str] = mapped_column(sa.String(64))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    mime_type: Mapped[str | None] = mapped_column(sa.String(127))
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime]


class SelfServiceAnswer(Base):
    """A customer said an FAQ answer solved their question: a ticket that was not needed."""

    __tablename__ = "self_service_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    faq_id: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[Language] = mapped_column(str_enum(Language))
    created_at: Mapped[datetime] = mapped_column(index=True)


class InboxUpdate(Base):
    """A Telegram update, stored before Telegram is told it arrived and processed after.

    Telegram delivers at least once and forgets an update once the next poll confirms it; the
    row is what survives a crash in between. `processed_at` is set when handling finished, and
    the payload is dropped in the same statement: the inbox is not an archive of what people
    wrote, and the id alone recognises a redelivery.
    """

    __tablename__ = "inbox_updates"
    __table_args__ = (sa.Index("ix_inbox_updates_pending", "bot_id", "processed_at", "update_id"),)

    bot_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    payload: Mapped[str | None] = mapped_column(sa.Text)  # the update's JSON, until handled
    sender_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)  # effective user
    # "chat:user", the updates that must be handled one after the other (`storage.inbox_lanes`);
    # None for rows stored before instances shared the inbox.
    lane: Mapped[str | None] = mapped_column(sa.String(48))
    received_at: Mapped[datetime] = mapped_column(index=True)
    processed_at: Mapped[datetime | None]


class InboxLane(Base):
    """A lane of the inbox (one person in one chat) being handled by one Kefu instance.

    Any instance may store any update, so each lane is leased to the instance handling it: that
    keeps one chat's updates in order across instances. The holder renews its lanes while it
    lives and gives each back when it has nothing left in it; one not renewed by `expires_at`
    (its holder died) is free again.
    """

    __tablename__ = "inbox_lanes"

    bot_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    lane: Mapped[str] = mapped_column(sa.String(48), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(255), index=True)  # "host:pid:nonce"
    expires_at: Mapped[datetime]


class ConsentEvent(Base):
    """One step of a customer's consent history: accepted, declined, withdrawn or erased."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(16))  # `storage.consent.Kind`
    created_at: Mapped[datetime]


class Counter(Base):
    """Named gap-free counters (ticket numbers). The row lock serialises concurrent writers."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger)


class ConversationState(Base):
    """Where a customer is in a guided flow, so a restart does not throw their answers away."""

    __tablename__ = "conversation_states"

    handler: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(128), primary_key=True)  # JSON of PTB's key
    state: Mapped[str] = mapped_column(sa.String(64))  # JSON of the state value
    updated_at: Mapped[datetime]


class UserState(Base):
    """A user's in-progress answers (PTB `user_data`), deleted once it is empty."""

    __tablename__ = "user_states"

    telegram_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    updated_at: Mapped[datetime]


class SlaAlert(Base):
    """One SLA warning or breach alert, claimed before it is sent: at most one row per ticket,
    timer, level and deadline version (the unique key makes a second claim a no-op).

    `status`: pending (claimed, not yet delivered), sent, skipped (superseded: a later level of
    the same timer came due first) or obsolete (the deadline changed or the ticket was resolved
    before delivery). `delivered` counts the destinations already posted to, so a
    retry resumes where the last attempt stopped.
    """

    __tablename__ = "sla_alerts"
    __table_args__ = (
        sa.UniqueConstraint("ticket_id", "timer", "level", "version"),
        sa.Index("ix_sla_alerts_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    timer: Mapped[str] = mapped_column(sa.String(32))
    level: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(sa.String(16))
    due_at: Mapped[datetime]  # the deadline the alert is about
    alert_at: Mapped[datetime]  # when it came due
    delivered: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime]  # claimed at
    sent_at: Mapped[datetime | None]


class ReportDelivery(Base):
    """One scheduled report to one admin for one period, claimed before it is sent: the unique
    key makes a second claim (a restart, another instance) a no-op, and `claimed_until` lets
    another instance take over a send that was cut short."""

    __tablename__ = "report_deliveries"
    __table_args__ = (sa.UniqueConstraint("period_kind", "period_start", "admin_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_kind: Mapped[str] = mapped_column(sa.String(16))  # "week" or "month"
    period_start: Mapped[date]
    admin_id: Mapped[int] = mapped_column(sa.BigInteger)
    claimed_until: Mapped[datetime | None]
    delivered: Mapped[int] = mapped_column(default=0, server_default="0")  # messages sent so far
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Lease(Base):
    """Work only one Kefu process may do at a time, held by one and renewed while it lives:
    polling a bot (`poller:<bot id>`, Telegram allows one poller) and each run of a scheduled
    job (`job:<name>`). A lease not renewed by `expires_at` is free again (its holder died)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(255))  # "host:pid:nonce"
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]
