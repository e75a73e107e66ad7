"""Standing campaigns: the ones Kefu keeps running for itself, one of each name, never shown to
admins. Follow-up visits (`storage.visits`) and warranty and maintenance reminders
(`storage.reminders`) go out through them: each is the campaign outbox's rows of one campaign
with one run, written as they come due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.survey_models import (
    AudienceKind,
    Campaign,
    CampaignKind,
    CampaignRun,
    CampaignStatus,
    Repeat,
)


@dataclass(frozen=True, slots=True)
class Standing:
    campaign_id: int
    run_id: int


async def find(session: AsyncSession, name: str) -> Standing | None:
    """The standing campaign `name` and its one run; None until it is first needed."""
    row = (
        await session.execute(
            select(Campaign.id, CampaignRun.id)
            .join(CampaignRun, CampaignRun.campaign_id == Campaign.id)
            .where(Campaign.standing == name, CampaignRun.number == 1)
        )
    ).first()
    return Standing(row[0], row[1]) if row else None


async def ensure(
    session: AsyncSession,
    name: str,
    kind: CampaignKind,
    *,
    texts: dict[str, Any],
    now: datetime,
) -> Standing:
    """The standing campaign `name` and its one run, created on first need.

    Inserted with ON CONFLICT DO NOTHING on its unique name: two instances creating it at once
    make one (PostgreSQL makes the second wait for the first's commit, SQLite serialises)."""
    found = await find(session, name)
    if found is not None:
        return found
    await session.execute(
        dialects.insert(session, Campaign)
        .values(
            kind=kind,
            status=CampaignStatus.RUNNING,
            repeat=Repeat.NONE,
            texts=texts,
            # Nobody is chosen by an audience: each ticket brings its own rows.
            audience={"kind": AudienceKind.RECENT_TICKET.value},
            created_by=0,
            created_at=now,
            updated_at=now,
            standing=name,
        )
        .on_conflict_do_nothing(index_elements=[Campaign.standing])
    )
    campaign_id = await session.scalar(select(Campaign.id).where(Campaign.standing == name))
    assert campaign_id is not None
    await session.execute(
        dialects.insert(session, CampaignRun)
        .values(campaign_id=campaign_id, number=1, started_at=now, recipients=0)
        .on_conflict_do_nothing(index_elements=[CampaignRun.campaign_id, CampaignRun.number])
    )
    made = await find(session, name)
    assert made is not None
    return made
