"""The schema of customer profiles: the products a customer owns, and staff's tags and notes.

Kept apart from `storage.models`, as the templates' and surveys' schemas are;
`storage/__init__.py` imports this module so Alembic sees the tables. All three are about the
customer, not a ticket, and are erased with the customer (`storage.erasure`).
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

MAX_TAG = 32
MAX_NOTE = 1000


class CustomerProduct(Base):
    """A product the customer told us they own, offered again in their next request."""

    __tablename__ = "customer_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[str | None] = mapped_column(sa.String(64))  # None: "Other product"
    serial_number: Mapped[str | None] = mapped_column(sa.String(64))
    purchase_date: Mapped[date | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]  # last given or used: the newest is offered first


class CustomerTag(Base):
    """A word staff put on a customer ("vip", "dealer"); reports can group tickets by it."""

    __tablename__ = "customer_tags"
    __table_args__ = (sa.UniqueConstraint("customer_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(sa.String(MAX_TAG))  # lower case
    added_by_telegram_id: Mapped[int] = mapped_column(sa.BigInteger)
    added_by_name: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]


class CustomerNote(Base):
    """A staff note about the customer (not one ticket), with who wrote it."""

    __tablename__ = "customer_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    author_telegram_id: Mapped[int] = mapped_column(sa.BigInteger)
    author_name: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime]
