"""Inbox lanes: several instances share one inbox, each chat's updates handled in order.

`inbox_updates.lane` names the lane an update belongs to (one person in one chat), and
`inbox_lanes` leases a lane to the instance handling it. The polling lease is renamed
`poller:<bot id>`: only a second poller is refused now.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_lanes",
        sa.Column("bot_id", sa.BigInteger(), nullable=False),
        sa.Column("lane", sa.String(length=48), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "lane", name=op.f("pk_inbox_lanes")),
    )
    op.create_index(op.f("ix_inbox_lanes_holder"), "inbox_lanes", ["holder"], unique=False)
    with op.batch_alter_table("inbox_updates") as batch:
        batch.add_column(sa.Column("lane", sa.String(length=48), nullable=True))
    # The old single-instance lease: whoever held it renews nothing by that name any more.
    op.execute("DELETE FROM leases WHERE name LIKE 'inbox:%'")


def downgrade() -> None:
    with op.batch_alter_table("inbox_updates") as batch:
        batch.drop_column("lane")
    op.drop_index(op.f("ix_inbox_lanes_holder"), table_name="inbox_lanes")
    op.drop_table("inbox_lanes")
