"""Care and training events: `care_events` and `event_registrations`.

An event's announcement and reminder go out through the campaign outbox (one standing campaign
per event, `campaigns.standing = 'event:<id>'`), so the outbox itself does not change. The
unique (event, customer) key is what keeps a double press, or two instances, from registering
anyone twice; capacity is counted under the event row's lock.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "care_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", JSON, nullable=False),
        sa.Column("text", JSON, nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("audience", JSON, nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_care_events_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_events")),
    )
    op.create_index(op.f("ix_care_events_starts_at"), "care_events", ["starts_at"])
    op.create_table(
        "event_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_event_registrations_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["care_events.id"],
            name=op.f("fk_event_registrations_event_id_care_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_registrations")),
        sa.UniqueConstraint(
            "event_id", "customer_id", name=op.f("uq_event_registrations_event_id_customer_id")
        ),
    )
    op.create_index(
        op.f("ix_event_registrations_customer_id"), "event_registrations", ["customer_id"]
    )


def downgrade() -> None:
    # The events' standing campaigns (and their outbox rows) go with them.
    op.drop_index(op.f("ix_event_registrations_customer_id"), table_name="event_registrations")
    op.drop_table("event_registrations")
    op.drop_index(op.f("ix_care_events_starts_at"), table_name="care_events")
    op.drop_table("care_events")
    op.execute("DELETE FROM campaigns WHERE kind = 'event'")
