"""Self-service: FAQ answers that made a ticket unnecessary are counted for reports."""

from datetime import timedelta

from storage import selfservice
from storage.enums import Language


async def test_solved_questions_are_counted_per_faq_entry(db, alice, now):
    async with db.unit_of_work() as session:
        for faq_id in ("warranty", "warranty", "invoice"):
            await selfservice.record(
                session, customer_id=alice.id, faq_id=faq_id, language=Language.EN, now=now
            )
        await selfservice.record(
            session, customer_id=alice.id, faq_id="invoice", language="zh_Hans", now=now
        )
        await selfservice.record(
            session,
            customer_id=alice.id,
            faq_id="shipping",
            language=Language.EN,
            now=now + timedelta(days=1),
        )

    async with db.read_only() as session:
        counts = await selfservice.counts_between(session, now, now + timedelta(hours=1))

    assert counts == {"warranty": 2, "invoice": 2}
