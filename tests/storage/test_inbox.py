"""The durable inbox: updates kept once, handed out in order until handled, then forgotten.

What people wrote stays only while an update waits to be handled: handling, an erasure or a
week of failures drops it.
"""

from datetime import timedelta

from sqlalchemy import text

from storage import inbox
from storage.inbox import Incoming

ALICE, BOB = 1001, 1002


def arrived(update_id: int, payload: str, sender_id: int | None = ALICE) -> Incoming:
    return Incoming(update_id, sender_id, payload)


async def stored_rows(db) -> dict[int, tuple[int | None, str | None, bool]]:
    """What the table holds, read with plain SQL: update id -> (sender, payload, handled)."""
    async with db.read_only() as session:
        rows = await session.execute(
            text("SELECT update_id, sender_id, payload, processed_at FROM inbox_updates")
        )
        return {
            update_id: (sender_id, payload, processed_at is not None)
            for update_id, sender_id, payload, processed_at in rows
        }


async def test_a_redelivered_update_is_kept_once(db, now):
    async with db.unit_of_work() as session:
        assert await inbox.store(session, 7, [arrived(900, '{"update_id": 900}')], now=now) == 1
    async with db.unit_of_work() as session:
        assert await inbox.store(session, 7, [arrived(900, '{"update_id": 900}')], now=now) == 0
        assert await inbox.store(session, 8, [arrived(900, '{"update_id": 900}')], now=now) == 1
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(900, '{"update_id": 900}')]


async def test_the_sender_is_stored_with_the_update(db, now):
    async with db.unit_of_work() as session:
        await inbox.store(session, 7, [arrived(1, "a"), arrived(2, "poll", None)], now=now)
    assert await stored_rows(db) == {1: (ALICE, "a", False), 2: (None, "poll", False)}


async def test_pending_updates_come_in_order_until_handled(db, now):
    async with db.unit_of_work() as session:
        await inbox.store(
            session, 7, [arrived(12, "b"), arrived(11, "a"), arrived(13, "c")], now=now
        )
        await inbox.mark_processed(session, 7, [11], now=now)
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(12, "b"), (13, "c")]
        assert await inbox.pending(session, 7, limit=1) == [(12, "b")]


async def test_a_handled_update_keeps_only_its_id_and_still_stops_a_redelivery(db, now):
    async with db.unit_of_work() as session:
        await inbox.store(session, 7, [arrived(31, '{"text": "Alice, 138 0013 8000"}')], now=now)
    async with db.unit_of_work() as session:
        await inbox.mark_processed(session, 7, [31], now=now)
    assert await stored_rows(db) == {31: (ALICE, None, True)}

    async with db.unit_of_work() as session:
        redelivered = arrived(31, '{"text": "Alice, 138 0013 8000"}')
        assert await inbox.store(session, 7, [redelivered], now=now) == 0
    assert await stored_rows(db) == {31: (ALICE, None, True)}
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == []


async def test_a_row_without_payload_is_never_handed_out(db, now):
    async with db.unit_of_work() as session:
        await session.execute(
            text(
                "INSERT INTO inbox_updates (bot_id, update_id, payload, received_at)"
                " VALUES (7, 41, NULL, :now)"
            ),
            {"now": now},
        )
        await inbox.store(session, 7, [arrived(42, "x")], now=now)
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(42, "x")]


async def test_a_crash_before_the_mark_leaves_the_update_pending(db, now):
    async with db.unit_of_work() as session:
        await inbox.store(session, 7, [arrived(21, "x")], now=now)
    try:
        async with db.unit_of_work() as session:
            await inbox.mark_processed(session, 7, [21], now=now)
            raise RuntimeError("killed while handling")
    except RuntimeError:
        pass
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(21, "x")]
    assert await stored_rows(db) == {21: (ALICE, "x", False)}


async def test_only_old_handled_updates_are_forgotten(db, now):
    old = now - timedelta(days=3)
    async with db.unit_of_work() as session:
        await inbox.store(
            session, 7, [arrived(1, "old, handled"), arrived(2, "old, never handled")], now=old
        )
        await inbox.store(session, 7, [arrived(3, "new, handled")], now=now)
        for update_id in (1, 3):
            await inbox.mark_processed(session, 7, [update_id], now=now)
        assert await inbox.forget_processed_before(session, now - timedelta(days=1)) == 1
    async with db.read_only() as session:
        assert await inbox.pending(session, 7, limit=10) == [(2, "old, never handled")]


async def test_only_old_unhandled_updates_are_dropped(db, now):
    old = now - timedelta(days=8)
    async with db.unit_of_work() as session:
        await inbox.store(
            session, 7, [arrived(1, "old, handled"), arrived(2, "old, never handled")], now=old
        )
        await inbox.store(session, 8, [arrived(3, "old, other bot, never handled")], now=old)
        await inbox.store(session, 7, [arrived(4, "new, never handled")], now=now)
        await inbox.mark_processed(session, 7, [1], now=old)
        assert await inbox.drop_unhandled_before(session, now - timedelta(days=7)) == 2
    assert await stored_rows(db) == {
        1: (ALICE, None, True),
        4: (ALICE, "new, never handled", False),
    }


async def test_an_erasure_drops_the_senders_earlier_waiting_payloads(db, now):
    async with db.unit_of_work() as session:
        await inbox.store(
            session,
            7,
            [
                arrived(50, "Alice's handled message"),
                arrived(51, "Alice's failed message"),
                arrived(52, "Bob's failed message", BOB),
                arrived(53, "Alice: /forget"),
                arrived(54, "Alice, after the erasure"),
            ],
            now=now,
        )
        await inbox.mark_processed(session, 7, [50], now=now)
    async with db.unit_of_work() as session:
        assert await inbox.erase_pending_of(session, ALICE, before_update_id=53, now=now) == 1
    assert await stored_rows(db) == {
        50: (ALICE, None, True),
        51: (ALICE, None, True),
        52: (BOB, "Bob's failed message", False),
        53: (ALICE, "Alice: /forget", False),
        54: (ALICE, "Alice, after the erasure", False),
    }
    async with db.read_only() as session:
        assert [update_id for update_id, _ in await inbox.pending(session, 7, limit=10)] == [
            52,
            53,
            54,
        ]


async def test_an_erasure_outside_an_update_drops_all_the_senders_waiting_payloads(db, now):
    async with db.unit_of_work() as session:
        await inbox.store(
            session, 7, [arrived(60, "a"), arrived(61, "b", BOB), arrived(62, "c")], now=now
        )
    async with db.unit_of_work() as session:
        assert await inbox.erase_pending_of(session, ALICE, before_update_id=None, now=now) == 2
    assert await stored_rows(db) == {
        60: (ALICE, None, True),
        61: (BOB, "b", False),
        62: (ALICE, None, True),
    }
