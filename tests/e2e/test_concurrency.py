"""Many customers at once: each is answered exactly once, and a stuck reply holds up no one."""

from __future__ import annotations

import asyncio

import pytest

from sandbox.client import SandboxClient

pytestmark = [pytest.mark.usefixtures("kefu_bot"), pytest.mark.both_databases]

CROWD = 20


async def test_a_crowd_is_answered_once_each_and_a_stuck_reply_blocks_nobody(
    client: SandboxClient,
) -> None:
    customers = [
        await client.create_user(700_000 + i, f"Customer {i}", language_code="en")
        for i in range(CROWD)
    ]
    # The first reply Kefu sends hangs until the client gives up (a Telegram call that never
    # returns); that customer then gets an apology instead.
    await client.add_fault("sendMessage", "hang", count=1, hang_seconds=30)
    await asyncio.gather(*(customer.send("/help") for customer in customers))

    async def answered(customer_id: int) -> list[dict]:
        messages = await client.chat(customer_id).messages()
        return [m for m in messages if m["from"]["is_bot"]]

    first_replies = {
        customer.id: (await customer.chat.wait_for_bot_message(timeout=20))
        for customer in customers
    }
    apologised = [c for c, m in first_replies.items() if "something went wrong" in m["text"]]
    assert len(apologised) == 1, "exactly one reply was stuck"
    helped = [m for c, m in first_replies.items() if c not in apologised]
    assert all("How Kefu works" in m["text"] for m in helped)
    # Everyone else was answered before the stuck customer heard anything (the call log is in
    # the order the sandbox answered Kefu's calls).
    sends = [c for c in await client.calls("sendMessage") if c["ok"]]
    apology = next(c for c in sends if "something went wrong" in c["params"]["text"])
    helps = [c for c in sends if "How Kefu works" in c["params"]["text"]]
    assert len(helps) == CROWD - 1
    assert all(c["seq"] < apology["seq"] for c in helps)
    for customer in customers:
        assert len(await answered(customer.id)) == 1, f"customer {customer.id} answered twice"
