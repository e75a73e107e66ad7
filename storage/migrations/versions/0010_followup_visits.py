"""Follow-up visits (回访) through the campaign outbox: a standing campaign, one row per ticket.

`campaigns.standing` names a campaign Kefu keeps running for itself ("followup"), never shown
to admins; the unique constraint lets two instances create it on first need without making two.

`campaign_recipients.ticket_id` is the resolved ticket a visit asks about (NULL for a survey
campaign's recipients). Unique with the campaign, so each ticket gets at most one visit however
often the scan that queues them runs, on however many instances. A customer with two resolved
tickets gets two visits in the standing campaign's one run, so "once per run and customer"
becomes a partial unique index, for survey campaigns' rows only.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standing", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_campaigns_standing"), ["standing"])
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_campaign_recipients_ticket_id_tickets"),
            "tickets",
            ["ticket_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_campaign_recipients_campaign_id_ticket_id"),
            ["campaign_id", "ticket_id"],
        )
        batch_op.drop_constraint(
            batch_op.f("uq_campaign_recipients_run_id_customer_id"), type_="unique"
        )
    op.create_index(
        "uq_campaign_recipients_run_id_customer_id",
        "campaign_recipients",
        ["run_id", "customer_id"],
        unique=True,
        sqlite_where=sa.text("ticket_id IS NULL"),
        postgresql_where=sa.text("ticket_id IS NULL"),
    )


def downgrade() -> None:
    # Visits go: a customer with two of them would break "once per run" once it covers all rows.
    op.execute("DELETE FROM campaign_recipients WHERE ticket_id IS NOT NULL")
    op.drop_index("uq_campaign_recipients_run_id_customer_id", table_name="campaign_recipients")
    with op.batch_alter_table("campaign_recipients", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_campaign_recipients_run_id_customer_id"), ["run_id", "customer_id"]
        )
        batch_op.drop_constraint(
            batch_op.f("uq_campaign_recipients_campaign_id_ticket_id"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_campaign_recipients_ticket_id_tickets"), type_="foreignkey"
        )
        batch_op.drop_column("ticket_id")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_campaigns_standing"), type_="unique")
        batch_op.drop_column("standing")
