"""What /mydata adds from the profile: the customer's products, and the tags and notes staff
keep about them (their text and when; the staff's names are left out, as everywhere in the
export)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage import customer_notes, profiles


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


async def kept_about(session: AsyncSession, customer_id: int) -> dict[str, Any]:
    products = await profiles.products_of(session, customer_id, limit=None)
    tags = await customer_notes.tags_of(session, customer_id)
    notes = await customer_notes.notes_of(session, customer_id)
    return {
        "products": [
            {
                "product_id": p.product_id,
                "serial_number": p.serial_number,
                "purchase_date": p.purchase_date.isoformat() if p.purchase_date else None,
                "added_at": _time(p.created_at),
            }
            for p in products
        ],
        "customer_tags": [{"tag": tag.tag, "added_at": _time(tag.created_at)} for tag in tags],
        "customer_notes": [
            {"text": note.text, "written_at": _time(note.created_at)} for note in notes
        ],
    }
