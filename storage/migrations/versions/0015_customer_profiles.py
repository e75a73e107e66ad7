"""Customer profiles: the profile's own fields on `customers` (display name, address, when it
was confirmed and when the yearly check was sent), the products a customer owns
(`customer_products`), and staff's tags and notes about a customer (`customer_tags`,
`customer_notes`).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("address", sa.String(length=300), nullable=True))
        for column in (
            "profile_confirmed_at",
            "profile_check_sent_at",
            "profile_check_claimed_until",
        ):
            batch_op.add_column(sa.Column(column, sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "customer_products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("serial_number", sa.String(length=64), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_products_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_products")),
    )
    op.create_index(op.f("ix_customer_products_customer_id"), "customer_products", ["customer_id"])
    op.create_table(
        "customer_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.Column("added_by_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("added_by_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_tags_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_tags")),
        sa.UniqueConstraint("customer_id", "tag", name=op.f("uq_customer_tags_customer_id_tag")),
    )
    op.create_table(
        "customer_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("author_name", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_notes_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_notes")),
    )
    op.create_index(op.f("ix_customer_notes_customer_id"), "customer_notes", ["customer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_customer_notes_customer_id"), table_name="customer_notes")
    op.drop_table("customer_notes")
    op.drop_table("customer_tags")
    op.drop_index(op.f("ix_customer_products_customer_id"), table_name="customer_products")
    op.drop_table("customer_products")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for column in (
            "profile_check_claimed_until",
            "profile_check_sent_at",
            "profile_confirmed_at",
            "address",
            "display_name",
        ):
            batch_op.drop_column(column)
