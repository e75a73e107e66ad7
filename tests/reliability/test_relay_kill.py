"""A customer's words that Kefu was copying into the topic when it was killed reach the topic
as soon as it is back, not when the copy's lease runs out.

A relay claims a message for two minutes (`domain.desk.relay.LEASE`) before copying it, so that
two instances never both copy it. Alone on its database (SQLite), Kefu knows at its start that
whoever held such a claim is dead, and gives it back: staff read the message seconds after the
restart. (Where instances share PostgreSQL, a claim may be a live instance's: it runs out.)
"""

from __future__ import annotations

from sandbox.client import SandboxClient
from tests.conftest import ALICE, STAFF_CHAT_ID, accept_privacy
from tests.e2e.helpers import file_a_late_parcel_complaint, wait_for_topic
from tests.reliability.process import KefuProcess

FOLLOW_UP = "The technician can come in through the side gate, code 4417."
WELL_INSIDE_THE_LEASE = 30  # seconds; the lease is 120


async def test_a_relay_cut_short_by_a_kill_reaches_the_topic_after_the_restart(
    kefu: KefuProcess, client: SandboxClient
) -> None:
    alice = await client.create_user(ALICE.id, ALICE.first_name, language_code="en")
    await kefu.start()
    await kefu.ready()
    await accept_privacy(alice)
    number = await file_a_late_parcel_complaint(alice)
    topic = (await wait_for_topic(client, f"#{number} ", timeout=30))["message_thread_id"]
    staff_topic = client.chat(STAFF_CHAT_ID, topic)
    await staff_topic.wait_for_text(f"#{number}", timeout=30)
    await kefu.until(kefu.inbox_drained, 10, "the inbox is handled")

    # The copy into the topic never returns (nor happens): Kefu is killed holding its claim.
    await client.add_fault("copyMessage", "hang", hang_seconds=60)

    async def copy_hangs() -> bool:
        return any(call.get("fault") == "hang" for call in await client.calls("copyMessage"))

    await alice.send(FOLLOW_UP)
    await kefu.until(copy_hangs, 20, "the relay's copy hangs")
    claimed = await kefu.scalar(
        "SELECT count(*) FROM ticket_events WHERE text = :text AND relay_due_at IS NOT NULL",
        text=FOLLOW_UP,
    )
    assert claimed == 1
    await kefu.kill()
    await client.clear_faults()
    assert not [m for m in await staff_topic.messages() if FOLLOW_UP in (m.get("text") or "")]

    await kefu.start()
    copied = await staff_topic.wait_for_text(FOLLOW_UP, timeout=WELL_INSIDE_THE_LEASE)
    assert copied["message_thread_id"] == topic
    await kefu.until(
        lambda: relays_settled(kefu), 10, "the relay is marked done after the restart"
    )
    assert await kefu.stop() == 0
    in_topic = [m for m in await staff_topic.messages() if FOLLOW_UP in (m.get("text") or "")]
    assert len(in_topic) == 1


async def relays_settled(kefu: KefuProcess) -> bool:
    pending = await kefu.scalar(
        "SELECT count(*) FROM ticket_events WHERE text = :text AND relay_due_at IS NOT NULL",
        text=FOLLOW_UP,
    )
    return pending == 0
