"""Campaigns: composing, the audience, runs and their outbox rows, answers, progress.

Sending itself lives in `storage.outbox`. A run's recipients are written in one
`INSERT ... SELECT` from the audience before anything is sent.

Standing campaigns (`Campaign.standing`: follow-up visits, `storage.visits`) are Kefu's own:
admins neither list nor control them, and they never finish.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialects import database_now
from storage.enums import Language
from storage.models import Customer, Ticket
from storage.survey_models import (
    QUEUED,
    AudienceKind,
    Campaign,
    CampaignKind,
    CampaignRecipient,
    CampaignRun,
    CampaignStatus,
    DeliveryStatus,
    Repeat,
)

ACTIVE = (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING, CampaignStatus.PAUSED)


@dataclass(frozen=True, slots=True)
class Audience:
    """Who receives a campaign, on top of consent and no opt-out (always required)."""

    kind: AudienceKind
    days: int | None = None  # RECENT_TICKET
    product: str | None = None  # PRODUCT
    language: Language | None = None  # LANGUAGE

    def as_json(self) -> dict[str, Any]:
        values = {"days": self.days, "product": self.product, "language": self.language}
        return {"kind": self.kind.value} | {k: v for k, v in values.items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Audience":
        language = data.get("language")
        return cls(
            AudienceKind(data["kind"]),
            days=data.get("days"),
            product=data.get("product"),
            language=Language(language) if language else None,
        )


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a run stands: queued (pending or being sent), sent, failed, blocked, answered."""

    counts: dict[DeliveryStatus, int] = field(default_factory=dict)
    answered: int = 0

    def __getitem__(self, status: DeliveryStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def queued(self) -> int:
        return sum(self[status] for status in QUEUED)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return self.total - self.queued


@dataclass(frozen=True, slots=True)
class AnswerRow:
    run: int
    customer_id: int
    language: str | None
    status: DeliveryStatus
    sent_at: datetime | None
    answer: int | None
    comment: str | None
    answered_at: datetime | None


# --- composing ----------------------------------------------------------------------------------


async def create(
    session: AsyncSession,
    *,
    kind: CampaignKind,
    texts: dict[str, Any],
    audience: Audience,
    repeat: Repeat,
    first_run_at: datetime,
    created_by: int,
    now: datetime,
) -> Campaign:
    campaign = Campaign(
        kind=kind,
        status=CampaignStatus.SCHEDULED,
        repeat=repeat,
        texts=texts,
        audience=audience.as_json(),
        next_run_at=first_run_at,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    await session.flush()
    return campaign


async def get(
    session: AsyncSession, campaign_id: int, *, for_update: bool = False
) -> Campaign | None:
    query = select(Campaign).where(Campaign.id == campaign_id)
    return await session.scalar(query.with_for_update() if for_update else query)


async def recent(session: AsyncSession, *, limit: int = 10) -> list[Campaign]:
    """The admins' campaigns, newest first."""
    rows = await session.scalars(
        select(Campaign)
        .where(Campaign.standing.is_(None))
        .order_by(Campaign.id.desc())
        .limit(limit)
    )
    return list(rows)


# --- the audience -------------------------------------------------------------------------------


def audience_filter(audience: Audience, now: datetime) -> list[ColumnElement[bool]]:
    """Conditions on `Customer` for who receives the campaign."""
    conditions: list[ColumnElement[bool]] = [
        Customer.consent_at.is_not(None),
        Customer.campaigns_opt_out_at.is_(None),
        Customer.unreachable_at.is_(None),
    ]
    if audience.kind == AudienceKind.RECENT_TICKET:
        since = now - timedelta(days=audience.days or 0)
        conditions.append(
            exists().where(Ticket.customer_id == Customer.id, Ticket.resolved_at >= since)
        )
    elif audience.kind == AudienceKind.PRODUCT:
        product = Ticket.product_id == audience.product
        conditions.append(exists().where(Ticket.customer_id == Customer.id, product))
    elif audience.kind == AudienceKind.LANGUAGE:
        conditions.append(Customer.language == audience.language)
    return conditions


async def count_audience(session: AsyncSession, audience: Audience, *, now: datetime) -> int:
    query = select(func.count()).select_from(Customer).where(*audience_filter(audience, now))
    return int(await session.scalar(query) or 0)


# --- runs ---------------------------------------------------------------------------------------


async def due(session: AsyncSession, *, now: datetime, limit: int = 10) -> list[int]:
    """Scheduled campaigns whose next run should begin now."""
    rows = await session.scalars(
        select(Campaign.id)
        .where(Campaign.status == CampaignStatus.SCHEDULED, Campaign.next_run_at <= now)
        .order_by(Campaign.next_run_at)
        .limit(limit)
    )
    return list(rows)


async def start_run(
    session: AsyncSession, campaign: Campaign, *, now: datetime, next_run_at: datetime | None
) -> CampaignRun:
    """Begin a run: write one outbox row per recipient, then mark the campaign running."""
    number = await session.scalar(
        select(func.coalesce(func.max(CampaignRun.number), 0) + 1).where(
            CampaignRun.campaign_id == campaign.id
        )
    )
    run = CampaignRun(campaign_id=campaign.id, number=int(number or 1), started_at=now)
    session.add(run)
    await session.flush()
    due_at = await database_now(session)
    audience = Audience.from_json(campaign.audience)
    recipients = select(
        literal(run.id),
        literal(campaign.id),
        Customer.id,
        literal(DeliveryStatus.PENDING.value),
        literal(0),
        literal(due_at, CampaignRecipient.next_attempt_at.type),
    ).where(*audience_filter(audience, now))
    result = await session.execute(
        insert(CampaignRecipient).from_select(
            ["run_id", "campaign_id", "customer_id", "status", "attempts", "next_attempt_at"],
            recipients,
        )
    )
    run.recipients = max(int(result.rowcount or 0), 0)
    campaign.status = CampaignStatus.RUNNING
    campaign.next_run_at = next_run_at
    campaign.updated_at = now
    return run


async def latest_run(session: AsyncSession, campaign_id: int) -> CampaignRun | None:
    return await session.scalar(
        select(CampaignRun)
        .where(CampaignRun.campaign_id == campaign_id)
        .order_by(CampaignRun.number.desc())
        .limit(1)
    )


async def runs(session: AsyncSession, campaign_id: int) -> list[CampaignRun]:
    rows = await session.scalars(
        select(CampaignRun).where(CampaignRun.campaign_id == campaign_id).order_by(CampaignRun.id)
    )
    return list(rows)


async def progress(session: AsyncSession, run_id: int) -> Progress:
    rows = await session.execute(
        select(CampaignRecipient.status, func.count())
        .where(CampaignRecipient.run_id == run_id)
        .group_by(CampaignRecipient.status)
    )
    answered = await session.scalar(
        select(func.count()).where(
            CampaignRecipient.run_id == run_id, CampaignRecipient.answered_at.is_not(None)
        )
    )
    counts = {DeliveryStatus(status): int(count) for status, count in rows}
    return Progress(counts, int(answered or 0))


async def finish_idle_runs(session: AsyncSession, *, now: datetime) -> list[int]:
    """Running campaigns whose current run has nothing left to send: the run ends, and the
    campaign waits for its next run (quarterly) or is finished. Returns their ids."""
    running = await session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.RUNNING, Campaign.standing.is_(None))
        .with_for_update()
    )
    finished: list[int] = []
    for campaign in running:
        run = await latest_run(session, campaign.id)
        if run is not None:
            queued = await session.scalar(
                select(func.count()).where(
                    CampaignRecipient.run_id == run.id, CampaignRecipient.status.in_(QUEUED)
                )
            )
            if queued:
                continue
            run.finished_at = now
        campaign.status = (
            CampaignStatus.SCHEDULED if campaign.next_run_at else CampaignStatus.FINISHED
        )
        campaign.updated_at = now
        finished.append(campaign.id)
    return finished


# --- admin actions ------------------------------------------------------------------------------


async def pause(session: AsyncSession, campaign: Campaign, *, now: datetime) -> bool:
    pausable = (CampaignStatus.SCHEDULED, CampaignStatus.RUNNING)
    if campaign.standing is not None or campaign.status not in pausable:
        return False
    campaign.status = CampaignStatus.PAUSED
    campaign.updated_at = now
    return True


async def resume(session: AsyncSession, campaign: Campaign, *, now: datetime) -> bool:
    """Carry on where it stopped: sending the current run, or waiting for the next one."""
    if campaign.standing is not None or campaign.status != CampaignStatus.PAUSED:
        return False
    run = await latest_run(session, campaign.id)
    unfinished = run is not None and run.finished_at is None
    campaign.status = CampaignStatus.RUNNING if unfinished else CampaignStatus.SCHEDULED
    if campaign.status == CampaignStatus.SCHEDULED and campaign.next_run_at is None:
        campaign.status = CampaignStatus.FINISHED
    campaign.updated_at = now
    return True


async def start_now(session: AsyncSession, campaign: Campaign, *, now: datetime) -> bool:
    """A scheduled campaign's next run begins at the next tick instead of at its time."""
    if campaign.standing is not None or campaign.status != CampaignStatus.SCHEDULED:
        return False
    campaign.next_run_at = now
    campaign.updated_at = now
    return True


async def cancel(session: AsyncSession, campaign: Campaign, *, now: datetime) -> bool:
    """Stop for good: nobody still queued receives it, and no later run begins."""
    if campaign.standing is not None or campaign.status not in ACTIVE:
        return False
    campaign.status = CampaignStatus.CANCELLED
    campaign.next_run_at = None
    campaign.updated_at = now
    await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status.in_(QUEUED))
        .values(status=DeliveryStatus.SKIPPED)
    )
    return True


async def set_status_message(
    session: AsyncSession, campaign: Campaign, *, chat_id: int, message_id: int, language: str
) -> None:
    if campaign.standing is not None:
        return  # no status message to keep up to date: admins do not run it
    campaign.status_chat_id, campaign.status_message_id = chat_id, message_id
    campaign.status_language = language


async def watched(session: AsyncSession, *, since: datetime) -> list[Campaign]:
    """Campaigns with a status message that may need refreshing: active, or changed lately."""
    rows = await session.scalars(
        select(Campaign).where(
            Campaign.status_message_id.is_not(None),
            Campaign.status.in_(ACTIVE) | (Campaign.updated_at >= since),
        )
    )
    return list(rows)


# --- answers ------------------------------------------------------------------------------------


async def recipient(
    session: AsyncSession, recipient_id: int
) -> tuple[CampaignRecipient, Campaign, int] | None:
    """The recipient row (locked), its campaign and the customer's Telegram id."""
    row = (
        await session.execute(
            select(CampaignRecipient, Campaign, Customer.telegram_id)
            .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
            .join(Customer, Customer.id == CampaignRecipient.customer_id)
            .where(CampaignRecipient.id == recipient_id)
            .with_for_update(of=CampaignRecipient)
        )
    ).first()
    return (row[0], row[1], row[2]) if row else None


async def record_answer(
    session: AsyncSession, row: CampaignRecipient, value: int, *, now: datetime
) -> None:
    row.answer = value
    row.answered_at = now


async def record_comment(session: AsyncSession, row: CampaignRecipient, comment: str) -> None:
    row.comment = comment


async def answers(session: AsyncSession, campaign_id: int) -> list[AnswerRow]:
    """Every recipient of every run, in run and recipient order (results and CSV export)."""
    rows = await session.execute(
        select(
            CampaignRun.number,
            CampaignRecipient.customer_id,
            CampaignRecipient.language,
            CampaignRecipient.status,
            CampaignRecipient.sent_at,
            CampaignRecipient.answer,
            CampaignRecipient.comment,
            CampaignRecipient.answered_at,
        )
        .join(CampaignRun, CampaignRun.id == CampaignRecipient.run_id)
        .where(CampaignRecipient.campaign_id == campaign_id)
        .order_by(CampaignRun.number, CampaignRecipient.id)
    )
    return [AnswerRow(*row) for row in rows]
