"""The schema of care and training events (seed contract 001: training "at least twice a year").

Kept apart from `storage.models`, as the surveys' schema is; `storage/__init__.py` imports this
module so Alembic sees the tables. Not to be confused with `storage.events`, the tickets'
history, and `storage.enums.EventKind`, its kinds.

- `CareEvent`: what an admin announced with /event: title and text per language, the start
  (UTC), a place or link, a capacity, the audience. Its announcement and its reminder go out
  through the campaign outbox as runs 1 and 2 of one standing campaign (`event:<id>`).
- `EventRegistration`: one row per event and customer (unique), cancelled and registered again
  in place, so a double press or two instances can never make two.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

MAX_PLACE = 300


class CareEvent(Base):
    __tablename__ = "care_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[dict[str, Any]]  # {"en": "...", "zh_Hans"?: "...", "zh_Hant"?: "..."}
    text: Mapped[dict[str, Any]]  # the description, per language like the title
    starts_at: Mapped[datetime] = mapped_column(index=True)
    place: Mapped[str] = mapped_column(sa.String(MAX_PLACE))  # an address or a link
    capacity: Mapped[int]
    audience: Mapped[dict[str, Any]]  # `storage.campaigns.Audience.as_json()`
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL")
    )
    created_by: Mapped[int] = mapped_column(sa.BigInteger)  # the admin's Telegram id
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    # The reminder scan claimed this event (and queued its reminders, if any were due).
    reminder_queued_at: Mapped[datetime | None]


class EventRegistration(Base):
    __tablename__ = "event_registrations"
    __table_args__ = (sa.UniqueConstraint("event_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("care_events.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    registered_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
    attended_at: Mapped[datetime | None]  # marked by staff with /attended
