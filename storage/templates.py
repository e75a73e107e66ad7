"""Reply templates: listed, found by name or id, added under a unique name, changed, deleted.

The unique name is what keeps two admins adding the same name at once from making two: the
second insert does nothing and `add` says so with None.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import dialects
from storage.template_models import ReplyTemplate


async def listed(session: AsyncSession) -> list[ReplyTemplate]:
    """Every template, by name."""
    return list(await session.scalars(select(ReplyTemplate).order_by(ReplyTemplate.name)))


async def get(session: AsyncSession, template_id: int) -> ReplyTemplate | None:
    return await session.get(ReplyTemplate, template_id)


async def by_name(session: AsyncSession, name: str) -> ReplyTemplate | None:
    return await session.scalar(select(ReplyTemplate).where(ReplyTemplate.name == name))


async def add(
    session: AsyncSession, *, name: str, texts: dict[str, str], created_by: int, now: datetime
) -> ReplyTemplate | None:
    """The new template; None if one by that name exists already."""
    added = await session.scalar(
        dialects.insert(session, ReplyTemplate)
        .values(name=name, texts=texts, created_by=created_by, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=[ReplyTemplate.name])
        .returning(ReplyTemplate.id)
    )
    return None if added is None else await get(session, added)


async def change_texts(
    session: AsyncSession, template_id: int, texts: dict[str, str], *, now: datetime
) -> ReplyTemplate | None:
    """The template with its new texts; None if it was deleted meanwhile."""
    template = await get(session, template_id)
    if template is None:
        return None
    template.texts = dict(texts)
    template.updated_at = now
    await session.flush()
    return template


async def remove(session: AsyncSession, template_id: int) -> bool:
    """False if it was gone already."""
    result = await session.execute(delete(ReplyTemplate).where(ReplyTemplate.id == template_id))
    return bool(result.rowcount)
