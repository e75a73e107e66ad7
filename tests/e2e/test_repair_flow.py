"""Repair, maintenance and installation requests, from the first tap to the staff topic."""

from __future__ import annotations

import pytest

from bot.clock import ShiftedClock
from sandbox.client import SandboxClient, SandboxUser
from tests.conftest import STAFF_CHAT_ID, RunningBot, accept_privacy
from tests.e2e.helpers import TINY_PNG, bought_with_warranty_ending, business_today, wait_for_topic

pytestmark = pytest.mark.usefixtures("kefu_bot")


async def test_repair_inside_warranty_with_a_visit_reaches_the_staff(
    alice: SandboxUser, client: SandboxClient, clock: ShiftedClock
) -> None:
    purchased = bought_with_warranty_ending(business_today(clock), 24, days_after=-100)
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    await alice.press("AquaPure 600G RO water purifier")
    await alice.chat.wait_for_text("serial number")
    await alice.send("SN-2025-0042")
    await alice.chat.wait_for_text("When did you buy it?")
    await alice.send(purchased.isoformat())
    await alice.chat.wait_for_text("describe the problem")
    await alice.send("The filter light keeps blinking red")
    await alice.chat.wait_for_text("Send photos")
    await alice.send_photo(TINY_PNG)
    await alice.chat.wait_for_text("1 file received")
    await alice.press("Done")
    await alice.chat.wait_for_text("technician to visit")
    await alice.press("Yes, visit me")
    await alice.chat.wait_for_text("address for the visit")
    await alice.send("88 Century Avenue, Pudong, Shanghai")
    await alice.chat.wait_for_text("time of day")
    await alice.press("Afternoon (13:00–17:00)")
    summary = await alice.chat.wait_for_text("Please check your request")
    assert "under warranty" in summary["text"] and "free" in summary["text"]
    assert "88 Century Avenue" in summary["text"] and "1 file attached" in summary["text"]

    await alice.press("Confirm and send")
    confirmation = await alice.chat.wait_for_text("Your ticket K-000001 is open")
    assert "answer you here by" in confirmation["text"]

    topic = await wait_for_topic(client, "#K-000001")
    assert "Alice" in topic["name"]
    staff_topic = client.chat(STAFF_CHAT_ID, topic["message_thread_id"])
    card = await staff_topic.wait_for_text("SN-2025-0042")
    assert "88 Century Avenue" in card["text"]
    assert "First response due" in card["text"] and "Resolution due" in card["text"]
    await staff_topic.wait_until(lambda messages: any("photo" in m for m in messages))


async def test_repair_outside_warranty_is_quoted_in_simplified_chinese(
    wang: SandboxUser, clock: ShiftedClock
) -> None:
    purchased = bought_with_warranty_ending(business_today(clock), 24, days_after=1)
    await accept_privacy(wang)
    await wang.press("维修或安装")
    await wang.chat.wait_for_text("您需要哪项服务")
    await wang.press("维修")
    await wang.chat.wait_for_text("是哪款产品")
    await wang.press("S3 智能马桶盖")
    await wang.chat.wait_for_text("序列号")
    await wang.send("S3-889900")
    await wang.chat.wait_for_text("什么时候购买")
    await wang.send(f"{purchased.year}年{purchased.month}月{purchased.day}日")
    await wang.chat.wait_for_text("描述问题")
    await wang.send("座圈不加热了")
    await wang.chat.wait_for_text("照片")
    await wang.press("完成")
    await wang.chat.wait_for_text("上门")
    await wang.press("不需要上门")
    summary = await wang.chat.wait_for_text("请核对您的申请")
    assert "保修期已于" in summary["text"] and "报价" in summary["text"]
    await wang.press("确认并提交")
    await wang.chat.wait_for_text("您的工单 K-000001 已创建")


@pytest.mark.parametrize(
    ("days_after", "expected"),
    [(0, "under warranty"), (1, "The warranty ended")],
    ids=["last day inside the warranty", "first day outside the warranty"],
)
async def test_warranty_edges(
    alice: SandboxUser, clock: ShiftedClock, days_after: int, expected: str
) -> None:
    purchased = bought_with_warranty_ending(business_today(clock), 36, days_after=days_after)
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Maintenance")
    await alice.chat.wait_for_text("Which product")
    await alice.press("ZeroG M8 massage chair")
    await alice.chat.wait_for_text("serial number")
    await alice.send("M8-7731")
    await alice.chat.wait_for_text("When did you buy it?")
    await alice.send(f"{purchased.day}/{purchased.month}/{purchased.year}")
    await alice.chat.wait_for_text("describe the problem")
    await alice.send("Yearly service")
    await alice.chat.wait_for_text("Send photos")
    await alice.press("Done")
    await alice.chat.wait_for_text("technician to visit")
    await alice.press("No visit needed")
    summary = await alice.chat.wait_for_text("Please check your request")
    assert expected in summary["text"]


async def test_bad_dates_and_serials_are_explained_and_asked_again(alice: SandboxUser) -> None:
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Installation")
    await alice.chat.wait_for_text("Which product")
    await alice.press("Other product")
    await alice.chat.wait_for_text("serial number")
    await alice.send("!")
    await alice.chat.wait_for_text("does not look like an order or serial number")
    await alice.chat.wait_for_text("serial number")
    await alice.send("ORDER 55-1234")
    await alice.chat.wait_for_text("When did you buy it?")
    await alice.send("2099-01-01")
    await alice.chat.wait_for_text("That date is in the future")
    await alice.send("31/02/2025")
    await alice.chat.wait_for_text("I could not read that date")
    await alice.send("x" * 4096)
    await alice.chat.wait_for_text("I could not read that date")
    await alice.send("2025-03-01")
    await alice.chat.wait_for_text("describe the problem")


async def test_unexpected_media_mid_flow_repeats_the_question(alice: SandboxUser) -> None:
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    await alice.press("T5 thermostatic shower set")
    await alice.chat.wait_for_text("serial number")
    await alice.send_sticker("😀")
    await alice.chat.wait_for_text("that is not what I need here")
    await alice.chat.wait_for_text("serial number")
    await alice.send_document("manual.pdf", b"%PDF-1.4 not a serial")
    await alice.chat.wait_for_text("that is not what I need here")


async def test_back_goes_to_the_previous_question_and_cancel_drops_everything(
    alice: SandboxUser,
) -> None:
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    await alice.press("BP2 upper-arm blood pressure monitor")
    await alice.chat.wait_for_text("serial number")
    await alice.press("Back")
    await alice.chat.wait_for_text("Which product")
    await alice.press("S3 smart toilet seat")
    await alice.chat.wait_for_text("serial number")
    await alice.send("/cancel")
    await alice.chat.wait_for_text("Cancelled. Nothing was sent to our team")
    await alice.send("/tickets")
    await alice.chat.wait_for_text("You have no tickets yet")


async def test_summary_edit_changes_one_answer_and_returns(alice: SandboxUser) -> None:
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    await alice.press("Other product")
    await alice.chat.wait_for_text("serial number")
    await alice.send("#1")
    await alice.chat.wait_for_text("does not look like")
    await alice.send("SN-100")
    await alice.chat.wait_for_text("When did you buy it?")
    await alice.send("2025-06-01")
    await alice.chat.wait_for_text("describe the problem")
    await alice.send("Noise")
    await alice.chat.wait_for_text("Send photos")
    await alice.press("Done")
    await alice.chat.wait_for_text("technician to visit")
    await alice.press("No visit needed")
    await alice.chat.wait_for_text("Please check your request")
    await alice.press("Edit number")
    await alice.chat.wait_for_text("serial number")
    await alice.send("SN-200")
    summary = await alice.chat.wait_for_text("Please check your request")
    assert "SN-200" in summary["text"] and "Noise" in summary["text"]


async def test_a_restart_mid_flow_keeps_the_answers(alice: SandboxUser, kefu_bot: RunningBot):
    await accept_privacy(alice)
    await alice.press("Repair or installation")
    await alice.chat.wait_for_text("What do you need?")
    await alice.press("Repair")
    await alice.chat.wait_for_text("Which product")
    await alice.press("S3 smart toilet seat")
    await alice.chat.wait_for_text("serial number")
    await alice.send("S3-4242")
    await alice.chat.wait_for_text("When did you buy it?")

    await kefu_bot.restart()

    await alice.send("2025-05-20")
    await alice.chat.wait_for_text("describe the problem")
    await alice.send("Seat does not heat")
    await alice.chat.wait_for_text("Send photos")
    await alice.press("Done")
    await alice.chat.wait_for_text("technician to visit")
    await alice.press("No visit needed")
    summary = await alice.chat.wait_for_text("Please check your request")
    assert "S3-4242" in summary["text"]
