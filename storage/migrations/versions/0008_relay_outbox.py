"""Customer messages still to be copied into their ticket's topic; tickets keyed by their draft.

`ticket_events.relay_due_at` is set when a customer's message is recorded on a ticket that has
a topic, and cleared once the message is in it; while a relay is under way it holds the
relay's lease. A crash between recording and copying therefore loses no message: the desk job
copies whatever is due.

`tickets.intake_key` is the key of the flow draft a ticket was made from: an update replayed
after a crash (the inbox handles at least once) finds the ticket its first handling committed
instead of opening a second one.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intake_key", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_tickets_intake_key"), ["intake_key"])
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relay_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_ticket_events_relay_due_at"), ["relay_due_at"])


def downgrade() -> None:
    with op.batch_alter_table("ticket_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_events_relay_due_at"))
        batch_op.drop_column("relay_due_at")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_tickets_intake_key"), type_="unique")
        batch_op.drop_column("intake_key")
