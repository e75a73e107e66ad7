"""The campaign outbox: claiming recipients to send to, and recording what happened.

A sender claims a batch of rows under a lease (`status = sending`, `claimed_by`,
`claimed_until`), sends, and records each outcome in its own short transaction right after the
send, so a crash repeats at most the sends in flight at that moment. A lease that runs out (its
sender died) makes the row claimable again. PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so
several instances share the work; on SQLite `BEGIN IMMEDIATE` serialises the claim.

Leases and retry times are in the database's clock (`database_now`), so instances with
slightly different clocks agree on them; business times (`sent_at`) come from the caller.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dialects import database_now
from storage.models import Customer
from storage.survey_models import (
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    DeliveryStatus,
)

ERROR_TEXT_LIMIT = 255


@dataclass(frozen=True, slots=True)
class Delivery:
    """One claimed recipient, with what the sender needs to reach them."""

    recipient_id: int
    campaign_id: int
    customer_id: int
    telegram_id: int
    language: str
    attempts: int
    may_receive: bool  # still consented and not opted out of surveys ("Stop these messages")
    claimed_until: datetime
    ticket_id: int | None = None  # the ticket a follow-up visit or a reminder is about
    occasion: str = ""  # which of the ticket's rows: a maintenance reminder's due date
    consented: bool = True  # still consented (reminders have an opt-out of their own)


async def claim(
    session: AsyncSession, *, worker: str, limit: int, lease: timedelta
) -> list[Delivery]:
    """Up to `limit` recipients of running campaigns that are due, oldest first, leased to
    `worker`: pending ones whose next attempt is due, and ones whose lease ran out."""
    now = await database_now(session)
    due = or_(
        and_(
            CampaignRecipient.status == DeliveryStatus.PENDING,
            CampaignRecipient.next_attempt_at <= now,
        ),
        and_(
            CampaignRecipient.status == DeliveryStatus.SENDING,
            CampaignRecipient.claimed_until < now,
        ),
    )
    query = (
        select(CampaignRecipient.id)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(due, Campaign.status == CampaignStatus.RUNNING)
        .order_by(CampaignRecipient.id)
        .limit(limit)
        .with_for_update(of=CampaignRecipient, skip_locked=True)
    )
    ids = list(await session.scalars(query))
    if not ids:
        return []
    until = now + lease
    await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.id.in_(ids))
        .values(status=DeliveryStatus.SENDING, claimed_by=worker, claimed_until=until)
    )
    rows = await session.execute(
        select(
            CampaignRecipient.id,
            CampaignRecipient.campaign_id,
            CampaignRecipient.attempts,
            CampaignRecipient.ticket_id,
            CampaignRecipient.occasion,
            Customer.id,
            Customer.telegram_id,
            Customer.language,
            Customer.consent_at.is_not(None),
            Customer.campaigns_opt_out_at.is_(None),
        )
        .join(Customer, Customer.id == CampaignRecipient.customer_id)
        .where(CampaignRecipient.id.in_(ids))
        .order_by(CampaignRecipient.id)
    )
    return [
        Delivery(
            recipient_id=rid,
            campaign_id=cid,
            customer_id=customer_id,
            telegram_id=telegram_id,
            language=str(language),
            attempts=attempts,
            may_receive=bool(consented and not_opted_out),
            claimed_until=until,
            ticket_id=ticket_id,
            occasion=occasion,
            consented=bool(consented),
        )
        for (
            rid,
            cid,
            attempts,
            ticket_id,
            occasion,
            customer_id,
            telegram_id,
            language,
            consented,
            not_opted_out,
        ) in rows
    ]


def _mine(recipient_id: int, worker: str) -> ColumnElement[bool]:
    # Only the holder of the lease records an outcome; a sender whose lease was taken over
    # must not overwrite the new holder's work.
    return and_(
        CampaignRecipient.id == recipient_id,
        CampaignRecipient.claimed_by == worker,
        CampaignRecipient.status == DeliveryStatus.SENDING,
    )


async def mark_sent(
    session: AsyncSession,
    recipient_id: int,
    *,
    worker: str,
    message_id: int,
    language: str,
    now: datetime,
) -> None:
    # A row skipped by a cancel while its send was in flight was delivered all the same.
    await session.execute(
        update(CampaignRecipient)
        .where(
            CampaignRecipient.id == recipient_id,
            CampaignRecipient.claimed_by == worker,
            CampaignRecipient.status.in_((DeliveryStatus.SENDING, DeliveryStatus.SKIPPED)),
        )
        .values(
            status=DeliveryStatus.SENT,
            telegram_message_id=message_id,
            language=language,
            sent_at=now,
            attempts=CampaignRecipient.attempts + 1,
            claimed_by=None,
            claimed_until=None,
            error_code=None,
            error=None,
        )
    )


async def mark_final(
    session: AsyncSession,
    recipient_id: int,
    status: DeliveryStatus,
    *,
    worker: str,
    error_code: int | None = None,
    error: str | None = None,
) -> None:
    """Done without a delivery: failed, blocked or skipped."""
    await session.execute(
        update(CampaignRecipient)
        .where(_mine(recipient_id, worker))
        .values(
            status=status,
            attempts=CampaignRecipient.attempts + int(status != DeliveryStatus.SKIPPED),
            claimed_by=None,
            claimed_until=None,
            error_code=error_code,
            error=error[:ERROR_TEXT_LIMIT] if error else None,
        )
    )


async def retry_later(
    session: AsyncSession,
    recipient_id: int,
    *,
    worker: str,
    delay: timedelta,
    count_attempt: bool,
    error_code: int | None = None,
    error: str | None = None,
) -> None:
    """Back to the queue, due again after `delay`. A 429 does not count as an attempt."""
    now = await database_now(session)
    await session.execute(
        update(CampaignRecipient)
        .where(_mine(recipient_id, worker))
        .values(
            status=DeliveryStatus.PENDING,
            attempts=CampaignRecipient.attempts + int(count_attempt),
            next_attempt_at=now + delay,
            claimed_by=None,
            claimed_until=None,
            error_code=error_code,
            error=error[:ERROR_TEXT_LIMIT] if error else None,
        )
    )


async def release(session: AsyncSession, recipient_ids: list[int], *, worker: str) -> None:
    """Give claimed rows back unsent (a pause, a shutdown), due at once."""
    if not recipient_ids:
        return
    await session.execute(
        update(CampaignRecipient)
        .where(
            CampaignRecipient.id.in_(recipient_ids),
            CampaignRecipient.claimed_by == worker,
            CampaignRecipient.status == DeliveryStatus.SENDING,
        )
        .values(status=DeliveryStatus.PENDING, claimed_by=None, claimed_until=None)
    )


async def skip_queued(
    session: AsyncSession, customer_id: int, *, campaigns: Select[tuple[int]] | None = None
) -> int:
    """The customer's rows still waiting to go out (of `campaigns` only, a query of campaign
    ids, if given) are skipped: how many. A row being sent right now is left to its sender,
    which checks again whether the customer may receive it."""
    conditions = [
        CampaignRecipient.customer_id == customer_id,
        CampaignRecipient.status == DeliveryStatus.PENDING,
    ]
    if campaigns is not None:
        conditions.append(CampaignRecipient.campaign_id.in_(campaigns.scalar_subquery()))
    result = await session.execute(
        update(CampaignRecipient)
        .where(*conditions)
        .values(status=DeliveryStatus.SKIPPED, claimed_by=None, claimed_until=None)
    )
    return max(int(result.rowcount or 0), 0)
