"""SLA timers: due-at columns on tickets (indexed), the next alert instant the scanner looks
for, and `sla_alerts`, one claimed row per ticket, timer, level and deadline version.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TICKET_TIMES = (
    "first_response_due_at",
    "resolution_due_at",
    "resolution_started_at",
    "resolution_paused_at",
    "next_alert_at",
)
_TICKET_COUNTERS = (
    "resolution_used_seconds",
    "sla_version",
    "first_response_version",
    "resolution_version",
)
_INDEXED = ("first_response_due_at", "next_alert_at", "resolution_due_at")


def upgrade() -> None:
    op.create_table(
        "sla_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("timer", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_sla_alerts_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_alerts")),
        sa.UniqueConstraint(
            "ticket_id",
            "timer",
            "level",
            "version",
            name=op.f("uq_sla_alerts_ticket_id_timer_level_version"),
        ),
    )
    op.create_index("ix_sla_alerts_status_id", "sla_alerts", ["status", "id"])
    # Adding nullable or defaulted columns needs no table copy, even on SQLite.
    with op.batch_alter_table("tickets") as batch_op:
        for name in _TICKET_TIMES:
            batch_op.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        for name in _TICKET_COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        for name in _INDEXED:
            batch_op.create_index(batch_op.f(f"ix_tickets_{name}"), [name])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch_op:
        for name in _INDEXED:
            batch_op.drop_index(batch_op.f(f"ix_tickets_{name}"))
        for name in (*_TICKET_TIMES, *_TICKET_COUNTERS):
            batch_op.drop_column(name)
    op.drop_index("ix_sla_alerts_status_id", table_name="sla_alerts")
    op.drop_table("sla_alerts")
