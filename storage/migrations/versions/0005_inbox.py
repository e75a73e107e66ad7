"""The durable inbox: Telegram updates stored before they are confirmed, handled after.

Replaces `processed_updates`, which only remembered ids.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("processed_updates")
    op.create_table(
        "inbox_updates",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_inbox_updates")),
    )
    op.create_index(
        "ix_inbox_updates_pending",
        "inbox_updates",
        ["bot_id", "processed_at", "update_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_inbox_updates_received_at"), "inbox_updates", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_inbox_updates_received_at"), table_name="inbox_updates")
    op.drop_index("ix_inbox_updates_pending", table_name="inbox_updates")
    op.drop_table("inbox_updates")
    op.create_table(
        "processed_updates",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(
        op.f("ix_processed_updates_received_at"),
        "processed_updates",
        ["received_at"],
        unique=False,
    )
