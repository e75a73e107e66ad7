"""The durable inbox: updates kept once, handed out in order until handled, then forgotten."""

from datetime import timedelta

from storage import inbox


async def test_a_redelivered_update_is_kept_once(db, now):
    async with db.unit_of_work() as session:
        assert await inbox.store(session, 7, [(900, '{"update_id": 900}')], now=now) == 1
    async with db.unit_of_work() as session:
        assert await inbox.store(session, 7, [(900, '{"update_id": 900}')], now=now) == 0
        assert await inbox.store(session, 8, [(900, '{"update_id": 900}')], now=now) == 1
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(900, '{"update_id": 900}')]


async def test_pending_updates_come_in_order_until_handled(db, now):
    async with db.unit_of_work() as session:
        await inbox.store(session, 7, [(12, "b"), (11, "a"), (13, "c")], now=now)
        await inbox.mark_processed(session, 7, 11, now=now)
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(12, "b"), (13, "c")]
        assert await inbox.pending(session, 7, limit=1) == [(12, "b")]


async def test_a_crash_before_the_mark_leaves_the_update_pending(db, now):
    async with db.unit_of_work() as session:
        await inbox.store(session, 7, [(21, "x")], now=now)
    try:
        async with db.unit_of_work() as session:
            await inbox.mark_processed(session, 7, 21, now=now)
            raise RuntimeError("killed while handling")
    except RuntimeError:
        pass
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(21, "x")]


async def test_only_old_handled_updates_are_forgotten(db, now):
    old = now - timedelta(days=3)
    async with db.unit_of_work() as session:
        await inbox.store(session, 7, [(1, "old, handled"), (2, "old, never handled")], now=old)
        await inbox.store(session, 7, [(3, "new, handled")], now=now)
        for update_id in (1, 3):
            await inbox.mark_processed(session, 7, update_id, now=now)
        assert await inbox.forget_processed_before(session, now - timedelta(days=1)) == 1
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(2, "old, never handled")]
