"""The ticket card kept current: what is due to be shown again, and the topic's title as shown.

`tickets.card_due_at` is set, in the transaction of every change the card shows (status,
priority, assignee, details, charges, the first response), and cleared once the card in the
topic shows it; `desk:cards` edits the cards that are due. Kept in the row, so a crash after the
change still updates the card, and an instance that claims it (FOR UPDATE SKIP LOCKED) is the
only one to edit it. `tickets.staff_topic_title` is the topic's title as last set, so the title
is renamed only when its wording changes (Telegram limits how often topics are edited).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("card_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("staff_topic_title", sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f("ix_tickets_card_due_at"), ["card_due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tickets_card_due_at"))
        batch_op.drop_column("staff_topic_title")
        batch_op.drop_column("card_due_at")
