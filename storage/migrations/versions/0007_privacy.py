"""Privacy: inbox payloads dropped once handled, a consent history, the card's message id.

- `inbox_updates.payload` becomes nullable: a handled update keeps only its id (to recognise a
  redelivery), and the payloads of updates already handled are dropped here.
- `inbox_updates.sender_id`: whose update it is, so an erasure can drop that person's payloads
  still waiting (a handling that failed and waits for a retry).
- `consent_events`: every accept, decline, withdrawal and erasure, with its time: what a
  customer's /mydata shows and what proves consent was given before collection.
- `tickets.staff_card_message_id`: the card in the ticket's topic, edited when the customer's
  data is erased.
- `tickets.erased_by` ("customer" or "retention") and `tickets.erasure_notice_due_at`: an
  erased ticket's topic still to be renamed and its card edited (a lease while one instance is
  on it; NULL once done), so a crash after the erasure's commit still tells the staff.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.Text(), nullable=True)
        batch_op.add_column(sa.Column("sender_id", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_inbox_updates_sender_id"), ["sender_id"])
    op.execute("UPDATE inbox_updates SET payload = NULL WHERE processed_at IS NOT NULL")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_card_message_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("erased_by", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("erasure_notice_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_tickets_erasure_notice_due_at"), ["erasure_notice_due_at"]
        )
    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_consent_events_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(
        op.f("ix_consent_events_customer_id"), "consent_events", ["customer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_consent_events_customer_id"), table_name="consent_events")
    op.drop_table("consent_events")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_erasure_notice_due_at"))
        batch_op.drop_column("erasure_notice_due_at")
        batch_op.drop_column("erased_by")
        batch_op.drop_column("staff_card_message_id")
    op.execute("DELETE FROM inbox_updates WHERE payload IS NULL")
    with op.batch_alter_table("inbox_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_updates_sender_id"))
        batch_op.drop_column("sender_id")
        batch_op.alter_column("payload", existing_type=sa.Text(), nullable=False)
