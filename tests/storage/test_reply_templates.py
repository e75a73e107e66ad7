"""Reply templates on SQLite and PostgreSQL: a name is taken once, even by two admins at once;
texts change in place; a deleted template is gone."""

import asyncio
from datetime import timedelta

from storage import templates
from storage.db import Database
from tests.storage.conftest import NOW

ADMIN = 3001


async def _add(db: Database, name: str, texts: dict[str, str]) -> int | None:
    async with db.unit_of_work() as session:
        added = await templates.add(session, name=name, texts=texts, created_by=ADMIN, now=NOW)
        return None if added is None else added.id


async def test_a_name_is_taken_once_even_when_two_admins_add_it_at_once(db: Database) -> None:
    added = await asyncio.gather(
        _add(db, "filter-change", {"en": "Change the filter, {customer}."}),
        _add(db, "filter-change", {"en": "Another text."}),
    )

    assert len([template_id for template_id in added if template_id is not None]) == 1
    async with db.read_only() as session:
        listed = await templates.listed(session)
    assert [t.name for t in listed] == ["filter-change"]
    assert listed[0].created_by == ADMIN and listed[0].created_at == NOW


async def test_texts_change_in_place_and_a_deleted_template_is_gone(db: Database) -> None:
    template_id = await _add(db, "visit-booked", {"en": "See you on {due}."})
    await _add(db, "arrived", {"en": "Your part arrived."})
    assert template_id is not None
    later = NOW + timedelta(hours=1)

    async with db.unit_of_work() as session:
        changed = await templates.change_texts(
            session, template_id, {"en": "See you {due}.", "zh_Hans": "{due}见。"}, now=later
        )
        assert changed is not None
    async with db.read_only() as session:
        found = await templates.by_name(session, "visit-booked")
        assert found is not None
        assert found.texts == {"en": "See you {due}.", "zh_Hans": "{due}见。"}
        assert (found.created_at, found.updated_at) == (NOW, later)
        assert [t.name for t in await templates.listed(session)] == ["arrived", "visit-booked"]

    async with db.unit_of_work() as session:
        assert await templates.remove(session, template_id)
        assert not await templates.remove(session, template_id)
        assert await templates.change_texts(session, template_id, {"en": "x"}, now=later) is None
    async with db.read_only() as session:
        assert await templates.get(session, template_id) is None
        assert [t.name for t in await templates.listed(session)] == ["arrived"]
