"""Emergencies: when a ticket became one, and the cause and preventive measure staff recorded.

`tickets.emergency_at` (UTC) is set once, by whoever raised it (the customer's button,
`/emergency`, an automation rule); from then on the ticket's timers follow `[sla.emergency]`.
The alerts an emergency sends (at once, and the request for the cause after resolution) are
`sla_alerts` rows with timer "emergency", claimed in the raising transaction, so they survive
a crash and go out once. The cause and prevention texts are staff-written but may quote the
customer: erasure clears them with the ticket's other free texts.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("emergency_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("emergency_cause", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("emergency_prevention", sa.Text(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_tickets_emergency_at"), ["emergency_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_emergency_at"))
        batch_op.drop_column("emergency_prevention")
        batch_op.drop_column("emergency_cause")
        batch_op.drop_column("emergency_at")
