"""The schema of satisfaction surveys and survey campaigns.

Kept apart from `storage.models` so the two can change independently; `storage/__init__.py`
imports this module, so `Base.metadata` (and so Alembic) always sees these tables.

- `TicketSurvey`: the 1–5 star question after a resolved ticket, one per ticket (unique).
- `Campaign` → `CampaignRun` (one sending wave; a quarterly campaign has one per quarter) →
  `CampaignRecipient`: the outbox. One row per recipient is written before anything is sent;
  the row carries the delivery state (status, attempts, next attempt, lease, Telegram message
  id, error) and, later, the customer's answer.
- A *standing* campaign is one Kefu keeps running for itself (`Campaign.standing`, one of each
  name), never shown to admins: follow-up visits (`CampaignKind.FOLLOWUP`, `domain.care`) go
  out through it, one recipient row per resolved ticket (`CampaignRecipient.ticket_id`).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, Ticket
from storage.types import str_enum


class CampaignKind(StrEnum):
    CSAT = "csat"  # 1–5 stars, then an optional comment
    NPS = "nps"  # 0–10, then "why?"
    CHOICE = "choice"  # one of the admin's options
    FOLLOWUP = "followup"  # a follow-up visit (回访) after a ticket: Yes / No, problem is back
    REMINDER = "reminder"  # a warranty or maintenance reminder (`domain.care.reminders`)
    EVENT = "event"  # a care or training event's announcement and reminder


# What an admin may compose; a follow-up visit is Kefu's own (a standing campaign).
COMPOSABLE = (CampaignKind.CSAT, CampaignKind.NPS, CampaignKind.CHOICE)


class CampaignStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for next_run_at
    RUNNING = "running"  # a run is being sent
    PAUSED = "paused"
    CANCELLED = "cancelled"
    FINISHED = "finished"


class Repeat(StrEnum):
    NONE = "none"
    QUARTERLY = "quarterly"


class AudienceKind(StrEnum):
    ALL = "all"  # every consented customer
    RECENT_TICKET = "recent_ticket"  # a ticket resolved in the last `days` days
    PRODUCT = "product"  # a ticket about `product`
    LANGUAGE = "language"  # customers speaking `language`


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its turn (or for next_attempt_at after a failure)
    SENDING = "sending"  # claimed by a sender until claimed_until
    SENT = "sent"
    FAILED = "failed"  # a permanent error, or too many attempts
    BLOCKED = "blocked"  # 403 or "chat not found": the customer is marked unreachable
    SKIPPED = "skipped"  # opted out or withdrew consent before their turn; campaign cancelled


QUEUED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class TicketSurvey(Base):
    """The satisfaction question sent after a ticket was resolved, and its answer."""

    __tablename__ = "ticket_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # answers after this are politely refused
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[datetime | None]  # a sender is on it (database time)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    failed_at: Mapped[datetime | None]  # given up: blocked, or too many failures
    telegram_message_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    score: Mapped[int | None]
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    alerted_at: Mapped[datetime | None]  # staff were told about a low score


class Campaign(Base):
    """A survey an admin composed: what to ask, whom, and when."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CampaignKind] = mapped_column(str_enum(CampaignKind))
    status: Mapped[CampaignStatus] = mapped_column(str_enum(CampaignStatus))
    repeat: Mapped[Repeat] = mapped_column(str_enum(Repeat))
    # {"en": {"question": "...", "options": ["...", ...]}, "zh_Hans": {...}}; English required.
    texts: Mapped[dict[str, Any]]
    # {"kind": "all" | "recent_ticket" | "product" | "language", "days"?, "product"?, ...}
    audience: Mapped[dict[str, Any]]
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by: Mapped[int] = mapped_column(sa.BigInteger)  # the admin's Telegram id
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The admin's status message, edited in place while the campaign runs.
    status_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    status_message_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    status_language: Mapped[str | None] = mapped_column(sa.String(32))
    # The name of a campaign Kefu keeps running for itself ("followup"), one per name, created
    # on first need; None for an admin's campaign.
    standing: Mapped[str | None] = mapped_column(sa.String(32), unique=True)


class CampaignRun(Base):
    """One sending wave of a campaign: its audience as it was when the run began."""

    __tablename__ = "campaign_runs"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    number: Mapped[int]  # 1, 2, ... per campaign
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    recipients: Mapped[int] = mapped_column(default=0)


class CampaignRecipient(Base):
    """The outbox row of one recipient of one run, and their answer."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        # A survey reaches each customer once per run; follow-up visits are one per ticket (a
        # customer with two resolved tickets gets two), and each ticket gets at most one.
        sa.Index(
            "uq_campaign_recipients_run_id_customer_id",
            "run_id",
            "customer_id",
            unique=True,
            sqlite_where=sa.text("ticket_id IS NULL"),
            postgresql_where=sa.text("ticket_id IS NULL"),
        ),
        # A ticket's visit has one row, its maintenance reminders one per due date (occasion).
        sa.UniqueConstraint("campaign_id", "ticket_id", "occasion"),
        sa.Index("ix_campaign_recipients_status_id", "status", "id"),  # claiming in order
        sa.Index("ix_campaign_recipients_run_id_status", "run_id", "status"),  # progress
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_runs.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    # The ticket a follow-up visit asks about; None for a survey campaign's recipient.
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    # Which of the ticket's rows in a standing campaign: '' for a visit or a warranty reminder,
    # the due date of a maintenance reminder ("2027-06-01").
    occasion: Mapped[str] = mapped_column(sa.String(24), default="", server_default="")
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]  # database time
    claimed_by: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_until: Mapped[datetime | None]  # database time
    telegram_message_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    language: Mapped[str | None] = mapped_column(sa.String(32))  # the language it was sent in
    sent_at: Mapped[datetime | None]
    error_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(sa.String(255))
    answer: Mapped[int | None]  # the score, the chosen option's index, or a visit's 1 yes, 0 no
    comment: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None]


# The post-resolution scan walks resolved tickets by resolution time (one indexed range scan).
RESOLVED_AT_INDEX = sa.Index("ix_tickets_resolved_at", Ticket.resolved_at)
