"""The schema of reply templates: named texts per language that staff send with /reply.

Kept apart from `storage.models`, as the events' and surveys' schemas are; `storage/__init__.py`
imports this module so Alembic sees the table.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

MAX_NAME = 32


class ReplyTemplate(Base):
    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(MAX_NAME), unique=True)  # "filter-change"
    # {"en": "...", "zh_Hans"?: "...", "zh_Hant"?: "..."}: English always, others optional.
    texts: Mapped[dict[str, Any]]
    created_by: Mapped[int] = mapped_column(sa.BigInteger)  # the admin's Telegram id
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
