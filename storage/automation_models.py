"""The schema of automation rules' work: what each rule did to which ticket, and the messages
its actions still have to send.

Kept apart from `storage.models`, as the templates' and events' schemas are;
`storage/__init__.py` imports this module so Alembic sees the tables. Which events wait for the
rules is a column of the event itself (`TicketEvent.automation_due_at`), like the relay's.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

MAX_RULE_ID = 64


class AutomationFiring(Base):
    """A rule acted on a ticket for a trigger: the row that makes it act only once."""

    __tablename__ = "automation_firings"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "rule_id", "trigger"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(sa.String(MAX_RULE_ID))
    trigger: Mapped[str] = mapped_column(sa.String(32))
    event_id: Mapped[int]  # the ticket event that triggered it
    fired_at: Mapped[datetime]


class AutomationSend(Base):
    """A message a rule's action sends, after the transaction that decided it: a template to
    the customer, a note into the topic, a notice to a chat. `due_at` is NULL once sent, and a
    lease while a sender is on it, so a crash mid-send retries it and two instances never both
    send it. The payload names what to send (a template's name, the rule's own note), never a
    customer's words."""

    __tablename__ = "automation_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(sa.String(MAX_RULE_ID))
    action: Mapped[str] = mapped_column(sa.String(16))  # "template", "note", "notify"
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
