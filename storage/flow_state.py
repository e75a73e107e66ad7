"""Guided-flow state (PTB conversations and user_data) kept across restarts.

Values arrive already serialised (JSON text for conversation states, bytes for user data): this
module stores them and knows nothing of Telegram.

Privacy rule, enforced here: the answers of a customer who has not consented are never written
(a question typed into the FAQ before accepting stays in memory only). Conversation states hold
just a step number and the Telegram id, which Kefu keeps for everyone.
"""

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.models import ConversationState, Customer, UserState


async def conversations(session: AsyncSession, handler: str) -> dict[str, str]:
    """Every saved key -> state of one conversation handler."""
    rows = await session.execute(
        select(ConversationState.key, ConversationState.state).where(
            ConversationState.handler == handler
        )
    )
    return {key: state for key, state in rows}


async def conversations_of(
    session: AsyncSession, handlers: Collection[str], key: str
) -> dict[str, str]:
    """The saved states of one chat's conversations, by handler; a handler missing is not
    under way. One query for them all: a lane claimed afresh reads them at every update."""
    rows = await session.execute(
        select(ConversationState.handler, ConversationState.state).where(
            ConversationState.handler.in_(handlers), ConversationState.key == key
        )
    )
    return {handler: state for handler, state in rows}


async def user_data_of(session: AsyncSession, telegram_id: int) -> bytes | None:
    return await session.scalar(select(UserState.data).where(UserState.telegram_id == telegram_id))


async def save_conversation(
    session: AsyncSession, handler: str, key: str, state: str | None, *, now: datetime
) -> None:
    """Record where a conversation is; None (the conversation ended) deletes it."""
    if state is None:
        await session.execute(
            delete(ConversationState).where(
                ConversationState.handler == handler, ConversationState.key == key
            )
        )
        return
    statement = dialects.insert(session, ConversationState).values(
        handler=handler, key=key, state=state, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ConversationState.handler, ConversationState.key],
            set_={"state": state, "updated_at": now},
        )
    )


async def all_user_data(session: AsyncSession) -> dict[int, bytes]:
    rows = await session.execute(select(UserState.telegram_id, UserState.data))
    return {telegram_id: data for telegram_id, data in rows}


async def save_user_data(
    session: AsyncSession, telegram_id: int, data: bytes | None, *, now: datetime
) -> bool:
    """Keep a user's data; None (nothing left to keep) deletes it, and so does a customer
    without consent. False when the data was refused for that reason."""
    refused = data is not None and not await _may_keep(session, telegram_id)
    if data is None or refused:
        await session.execute(delete(UserState).where(UserState.telegram_id == telegram_id))
        return not refused
    statement = dialects.insert(session, UserState).values(
        telegram_id=telegram_id, data=data, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[UserState.telegram_id], set_={"data": data, "updated_at": now}
        )
    )
    return True


async def _may_keep(session: AsyncSession, telegram_id: int) -> bool:
    """Staff and admins are no customers; a customer must have consented."""
    row = (
        await session.execute(
            select(Customer.consent_at).where(Customer.telegram_id == telegram_id)
        )
    ).first()
    return row is None or row.consent_at is not None
