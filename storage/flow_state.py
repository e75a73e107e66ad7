"""Guided-flow state (PTB conversations and user_data) kept across restarts.

Values arrive already serialised (JSON text for conversation states, bytes for user data): this
module stores them and knows nothing of Telegram.
"""

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.models import ConversationState, UserState


async def conversations(session: AsyncSession, handler: str) -> dict[str, str]:
    """Every saved key -> state of one conversation handler."""
    rows = await session.execute(
        select(ConversationState.key, ConversationState.state).where(
            ConversationState.handler == handler
        )
    )
    return {key: state for key, state in rows}


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
) -> None:
    """Keep a user's data; None (nothing left to keep) deletes it."""
    if data is None:
        await session.execute(delete(UserState).where(UserState.telegram_id == telegram_id))
        return
    statement = dialects.insert(session, UserState).values(
        telegram_id=telegram_id, data=data, updated_at=now
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[UserState.telegram_id], set_={"data": data, "updated_at": now}
        )
    )
