"""When Telegram misbehaves: a failed send is apologised for, a 429 is waited out."""

from __future__ import annotations

import pytest

from sandbox.client import SandboxClient, SandboxUser

pytestmark = pytest.mark.usefixtures("kefu_bot")


@pytest.mark.parametrize(
    ("who", "apology"),
    [("alice", "something went wrong on our side"), ("wang", "我们这边出了点问题")],
)
async def test_a_failed_reply_is_followed_by_a_polite_apology(
    customers: dict[str, SandboxUser], client: SandboxClient, who: str, apology: str
) -> None:
    customer = customers[who]
    await client.add_fault("sendMessage", "500", count=1)
    await customer.send("/help")
    reply = await customer.chat.wait_for_bot_message()
    assert apology in reply["text"]


async def test_flood_control_is_waited_out_not_shown(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await client.add_fault("sendMessage", "429", count=1, retry_after=1)
    await alice.send("/help")
    reply = await alice.chat.wait_for_bot_message(timeout=15)
    assert "How Kefu works" in reply["text"]
    refused = [c for c in await client.calls("sendMessage") if c.get("error_code") == 429]
    assert len(refused) == 1
