"""Warranty and maintenance reminders through the campaign outbox.

`campaign_recipients.occasion` tells apart the rows of one ticket in one standing campaign: a
follow-up visit has one ('' ), a maintenance reminder one per due date ("2027-06-01"), so the
unique key grows from (campaign, ticket) to (campaign, ticket, occasion). Empty rather than NULL
because NULLs are distinct in a unique key, and the visits' key must keep holding.

`customers.warranty_reminders_off_at` and `maintenance_reminders_off_at`: when the customer
pressed "Stop these reminders" on one of each kind.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("occasion", sa.String(length=24), server_default="", nullable=False)
        )
        batch_op.drop_constraint(
            batch_op.f("uq_campaign_recipients_campaign_id_ticket_id"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_campaign_recipients_campaign_id_ticket_id_occasion"),
            ["campaign_id", "ticket_id", "occasion"],
        )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("warranty_reminders_off_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("maintenance_reminders_off_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    # Reminders go: a ticket with two of them would break the (campaign, ticket) key.
    op.execute("DELETE FROM campaign_recipients WHERE occasion <> ''")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("maintenance_reminders_off_at")
        batch_op.drop_column("warranty_reminders_off_at")
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_campaign_recipients_campaign_id_ticket_id_occasion"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_campaign_recipients_campaign_id_ticket_id"),
            ["campaign_id", "ticket_id"],
        )
        batch_op.drop_column("occasion")
