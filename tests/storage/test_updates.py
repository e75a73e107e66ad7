"""At-least-once Telegram delivery: an update is handled once."""

from datetime import timedelta

from storage import updates


async def test_a_redelivered_update_is_recognised(db, now):
    async with db.unit_of_work() as session:
        assert await updates.mark_processed(session, bot_id=7, update_id=900, now=now)
    async with db.unit_of_work() as session:
        assert not await updates.mark_processed(session, bot_id=7, update_id=900, now=now)
        assert await updates.mark_processed(session, bot_id=8, update_id=900, now=now)


async def test_a_failed_handling_forgets_the_mark_so_the_retry_runs(db, now):
    try:
        async with db.unit_of_work() as session:
            await updates.mark_processed(session, bot_id=7, update_id=901, now=now)
            raise RuntimeError("handler crashed")
    except RuntimeError:
        pass

    async with db.unit_of_work() as session:
        assert await updates.mark_processed(session, bot_id=7, update_id=901, now=now)


async def test_old_marks_are_forgotten(db, now):
    async with db.unit_of_work() as session:
        await updates.mark_processed(session, 7, 1, now=now - timedelta(days=3))
        await updates.mark_processed(session, 7, 2, now=now)
        assert await updates.forget_before(session, now - timedelta(days=1)) == 1
        assert await updates.mark_processed(session, 7, 1, now=now)
