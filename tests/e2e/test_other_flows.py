"""Returns and exchanges, complaints, consultations, follow-up messages and My tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import ShiftedClock
from bot.services import Kefu
from sandbox.client import SandboxClient, SandboxUser
from storage import flow_state, selfservice
from tests.conftest import STAFF_CHAT_ID, accept_privacy
from tests.e2e.helpers import TINY_PNG, ask_a_person, business_today, wait_for_topic
from tests.e2e.privacy_scan import wait_until_inbox_handled

pytestmark = pytest.mark.usefixtures("kefu_bot")


async def _return_request(user: SandboxUser, delivered: str, reason: str, wanted: str) -> dict:
    await user.press("Return or exchange")
    await user.chat.wait_for_text("order number")
    await user.send("JD-20251101-77")
    await user.chat.wait_for_text("delivered")
    await user.send(delivered)
    await user.chat.wait_for_text("Why do you want to return it?")
    await user.press(reason)
    await user.chat.wait_for_text("refund or an exchange")
    await user.press(wanted)
    await user.chat.wait_for_text("Send photos")
    await user.press("Done")
    return await user.chat.wait_for_text("Please check your request")


@pytest.mark.parametrize(
    ("days_ago", "reason", "wanted", "verdict"),
    [
        (7, "Changed my mind", "Refund", "Eligible: you are within the no-reason return period"),
        (8, "Changed my mind", "Refund", "The return and exchange period ended"),
        (15, "Quality problem", "Exchange", "Eligible: an exchange for a quality problem"),
        (16, "Quality problem", "Exchange", "The return and exchange period ended"),
    ],
    ids=[
        "no-reason return on the last day",
        "no-reason return a day late",
        "quality exchange on the last day",
        "quality exchange a day late",
    ],
)
async def test_return_windows_decide_and_explain(
    alice: SandboxUser, clock: ShiftedClock, days_ago: int, reason: str, wanted: str, verdict: str
) -> None:
    delivered = business_today(clock) - timedelta(days=days_ago)
    await accept_privacy(alice)
    summary = await _return_request(alice, delivered.isoformat(), reason, wanted)
    assert verdict in summary["text"]


async def test_exchange_request_in_traditional_chinese_opens_a_ticket(
    chen: SandboxUser, client: SandboxClient, clock: ShiftedClock
) -> None:
    delivered = business_today(clock) - timedelta(days=3)
    await accept_privacy(chen)
    await chen.press("退貨或換貨")
    await chen.chat.wait_for_text("訂單編號")
    await chen.send("TB-99812")
    await chen.chat.wait_for_text("送達")
    await chen.send(f"{delivered.year}年{delivered.month}月{delivered.day}日")
    await chen.chat.wait_for_text("退貨原因")
    await chen.press("寄錯商品")
    await chen.chat.wait_for_text("退款還是換貨")
    await chen.press("換貨")
    await chen.chat.wait_for_text("照片")
    await chen.send_photo(TINY_PNG)
    await chen.chat.wait_for_text("已收到 1 個檔案")
    await chen.press("完成")
    summary = await chen.chat.wait_for_text("請核對您的申請")
    assert "符合條件" in summary["text"]
    await chen.press("確認並送出")
    await chen.chat.wait_for_text("您的工單 K-000001 已建立")
    await wait_for_topic(client, "#K-000001")


async def test_complaint_gets_high_priority(
    wang: SandboxUser, client: SandboxClient, kefu: Kefu
) -> None:
    await accept_privacy(wang)
    await wang.press("投诉")
    await wang.chat.wait_for_text("投诉哪方面")
    await wang.press("服务态度")
    await wang.chat.wait_for_text("发生了什么")
    await wang.send("安装师傅迟到三个小时，也没有提前通知。")
    await wang.chat.wait_for_text("照片")
    await wang.press("完成")
    summary = await wang.chat.wait_for_text("请核对您的投诉内容")
    assert "服务态度" in summary["text"]
    await wang.press("确认并提交")
    await wang.chat.wait_for_text("K-000001")
    topic = await wait_for_topic(client, "#K-000001")
    card = await client.chat(STAFF_CHAT_ID, topic["message_thread_id"]).wait_for_text("K-000001")
    assert "High" in card["text"] or "高" in card["text"]


async def test_faq_answer_counts_as_self_service(alice: SandboxUser, kefu: Kefu) -> None:
    await accept_privacy(alice)
    await alice.press("Ask a question")
    await alice.chat.wait_for_text("What would you like to know?")
    await alice.send("how long is the warranty on my purifier")
    await alice.chat.wait_for_text("These answers may help")
    await alice.press("How long is the warranty?")
    answer = await alice.chat.wait_for_text("How long is the warranty?")
    assert "2 years" in answer["text"]
    await alice.press("That answered it")
    await alice.chat.wait_for_text("Glad that helped")
    async with kefu.db.read_only() as session:
        counts = await selfservice.counts_between(
            session, kefu.clock.now() - timedelta(hours=1), kefu.clock.now() + timedelta(hours=1)
        )
    assert sum(counts.values()) == 1


async def test_unanswered_question_goes_to_a_person(
    wang: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(wang)
    await wang.press("咨询问题")
    await wang.chat.wait_for_text("您想了解什么")
    await wang.send("你们的仓库在哪个城市？")
    await wang.chat.wait_for_text("没有找到相关答案")
    await wang.press("转人工客服")
    await wang.chat.wait_for_text("您的工单 K-000001 已创建")
    topic = await wait_for_topic(client, "#K-000001")
    await client.chat(STAFF_CHAT_ID, topic["message_thread_id"]).wait_for_text("仓库")


async def test_declined_privacy_still_allows_faq_but_no_ticket(alice: SandboxUser) -> None:
    await alice.send("/start")
    await alice.chat.wait_for_text("Your privacy")
    await alice.press("Decline")
    await alice.chat.wait_for_text("we keep nothing about you")
    await alice.press("Ask a question")
    await alice.chat.wait_for_text("What would you like to know?")
    await alice.send("Do you install the product?")
    await alice.chat.wait_for_text("These answers may help")
    await alice.press("Talk to a person")
    await alice.chat.wait_for_text("Please read and accept our privacy notice first")


async def test_messages_after_opening_join_the_ticket_and_my_tickets_lists_it(
    alice: SandboxUser, client: SandboxClient
) -> None:
    await accept_privacy(alice)
    assert "K-000001 is open" in await ask_a_person(alice, "Can you deliver to Hangzhou?")
    topic = await wait_for_topic(client, "#K-000001")
    desk = client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
    await desk.wait_for_text("Hangzhou")

    await alice.send("It is for my office on West Lake Road.")
    await desk.wait_for_text("West Lake Road")
    await alice.send_photo(TINY_PNG, caption="The entrance")
    await desk.wait_for_text("The entrance")

    await alice.send("/tickets")
    await alice.chat.wait_for_text("Your tickets")
    await alice.press("K-000001 · Consultation · Open")
    history = await alice.chat.wait_for_text("K-000001")
    assert "Hangzhou" in history["text"] and "West Lake Road" in history["text"]


async def test_several_open_tickets_ask_which_one(alice: SandboxUser, client: SandboxClient):
    await accept_privacy(alice)
    for question in ("Where is my invoice?", "Do you sell spare remote controls?"):
        await ask_a_person(alice, question)
    await alice.send("Any news?")
    await alice.chat.wait_for_text("Which one is this about?")
    await alice.press("K-000002 · Consultation")
    await alice.chat.wait_for_text("Added to ticket K-000002")
    topic = await wait_for_topic(client, "#K-000002")
    await client.chat(STAFF_CHAT_ID, topic["message_thread_id"]).wait_for_text("Any news?")


async def test_unanswered_which_ticket_prompts_keep_only_a_bounded_few_ids(
    alice: SandboxUser, client: SandboxClient, kefu: Kefu
) -> None:
    """Messages waiting for a ticket choice are kept as ids with an expiry, the newest 20, not
    whole messages: the stored flow state stays small however much the customer writes."""
    await accept_privacy(alice)
    for question in ("Where is my invoice?", "Do you sell spare remote controls?"):
        await ask_a_person(alice, question)
    for n in range(30):
        await alice.send(f"Any news? ({n}) " + "x" * 500)
        await alice.chat.wait_for_text("Which one is this about?")
    prompts = [m for m in await alice.chat.messages() if "Which one" in (m.get("text") or "")]
    await wait_until_inbox_handled(kefu)  # each update's flow state is written by then
    async with kefu.db.read_only() as session:
        stored = await flow_state.all_user_data(session)
    assert len(stored[alice.id]) < 2000  # 30 messages of 500 characters would be over 15 000

    oldest = await alice.press("K-000002 · Consultation", message_id=prompts[0]["message_id"])
    assert oldest is not None and "no longer valid" in oldest["text"]
    await alice.press("K-000002 · Consultation", message_id=prompts[-1]["message_id"])
    await alice.chat.wait_for_text("Added to ticket K-000002")
    topic = await wait_for_topic(client, "#K-000002")
    await client.chat(STAFF_CHAT_ID, topic["message_thread_id"]).wait_for_text("Any news? (29)")


async def test_writing_within_the_reopen_window_reopens_and_after_it_starts_afresh(
    alice: SandboxUser,
    staff_member: SandboxUser,
    client: SandboxClient,
    kefu: Kefu,
    clock: ShiftedClock,
) -> None:
    await accept_privacy(alice)
    assert "K-000001 is open" in await ask_a_person(alice, "Do you repair old models?")
    topic = await wait_for_topic(client, "#K-000001")
    desk = client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
    await desk.wait_for_text("Do you repair old models?")  # the card: the topic is linked

    await staff_member.send("/resolve", chat_id=STAFF_CHAT_ID, thread_id=desk.thread_id)
    await alice.chat.wait_for_text("has been resolved")
    clock.advance(timedelta(days=6))
    await alice.send("Actually, one more question about it.")
    await alice.chat.wait_for_text("We have reopened ticket K-000001")
    await desk.wait_for_text("one more question")

    await staff_member.send("/resolve", chat_id=STAFF_CHAT_ID, thread_id=desk.thread_id)
    await alice.chat.wait_for_text("has been resolved")
    clock.advance(timedelta(days=8))  # past the 7-day reopen window
    await alice.send("Hello again")
    menu = await alice.chat.wait_for_text("Please choose what you need help with")
    assert menu["reply_markup"]["inline_keyboard"]
