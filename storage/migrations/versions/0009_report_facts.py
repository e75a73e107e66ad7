"""What reports need of each ticket, kept as it happens: its SLA policy, the deadline each timer
had when it ended, whether it was met, and how long (in business time) the customer waited.

The live due times (`first_response_due_at`, `resolution_due_at`) are cleared as soon as a timer
stops, which is right for the alert scanner but leaves nothing to judge compliance by later;
business time cannot be computed in SQL at all. Writing these when the ticket changes lets a
month's report be a handful of aggregates, over the indexes added here (bench/report.py).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("sla_policy", sa.String(length=64)),
    ("first_response_deadline", sa.DateTime(timezone=True)),
    ("first_response_met", sa.Boolean()),
    ("first_response_seconds", sa.Integer()),
    ("resolution_deadline", sa.DateTime(timezone=True)),
    ("resolution_met", sa.Boolean()),
    ("resolution_seconds", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_created_at"), ["created_at"])
        batch_op.create_index(batch_op.f("ix_tickets_first_response_at"), ["first_response_at"])
        batch_op.create_index(batch_op.f("ix_tickets_closed_at"), ["closed_at"])
    with op.batch_alter_table("ticket_surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_surveys_answered_at"), ["answered_at"])
    op.create_table(
        "report_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_kind", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("admin_id", sa.BigInteger(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "period_kind",
            "period_start",
            "admin_id",
            name=op.f("uq_report_deliveries_period_kind_period_start_admin_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("report_deliveries")
    with op.batch_alter_table("ticket_surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_surveys_answered_at"))
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_closed_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_first_response_at"))
        batch_op.drop_index(batch_op.f("ix_tickets_created_at"))
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
