"""Two advisers, an office account and residents, through the real bot and the fake Bot API."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.core.interactions import EventKind
from bot.storage.models import CaseRow, InteractionRow
from tests.e2e.conftest import Desk

pytestmark = pytest.mark.e2e

LAND = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"


async def kinds(desk: Desk) -> list[str]:
    async with desk.services.sessions() as session:
        return list(await session.scalars(select(InteractionRow.kind).order_by(InteractionRow.id)))


async def hand_off(desk: Desk, name: str = "王大妈", text: str = LAND):  # type: ignore[no-untyped-def]
    resident = desk.api.new_user(name)
    await desk.api.send_text(resident, text)
    await desk.api.wait_for_message(resident, contains="#")
    return resident


async def test_handoff_claim_race_answer_follow_up_close(desk: Desk) -> None:
    api = desk.api
    granny = await hand_off(desk)
    notice_li = await api.wait_for_message(desk.li, contains="#1")
    notice_zhang = await api.wait_for_message(desk.zhang, contains="#1")
    assert "王大妈" in notice_li.visible_text and "退役" in notice_li.visible_text
    assert notice_li.button_texts() == ["认领 #1"]

    # Both advisers press 「认领 #1」 at the same moment: exactly one wins.
    queries = await asyncio.gather(
        api.press_button(desk.li, notice_li, "claim:1"),
        api.press_button(desk.zhang, notice_zhang, "claim:1"),
    )
    answers = [await api.wait_for_callback_answer(q) for q in queries]
    async with desk.services.sessions() as session:
        case = await session.get(CaseRow, 1)
    assert case is not None and case.status == "claimed"
    winner = desk.li if case.claimed_by == desk.li.id else desk.zhang
    loser = desk.zhang if winner is desk.li else desk.li
    await api.wait_for_message(winner, contains="您已认领 #1")
    [refusal] = [a for a in answers if a.get("show_alert")]
    assert f"已由 {winner.first_name} 认领" in refusal["text"]

    # The winner answers by replying to the notice.
    notice = notice_li if winner is desk.li else notice_zhang
    await api.send_text(winner, "您好，先请连队把两家的承包合同找出来对一下。", reply_to=notice.raw)
    answer = await api.wait_for_message(granny, contains="法律顾问回复（#1）")
    assert "承包合同" in answer.visible_text
    await api.wait_for_message(winner, contains="已送达")

    # The resident follows up; it reaches the adviser holding the case.
    await api.send_text(granny, "合同找到了，上面写的是五亩三分")
    await api.wait_for_message(winner, contains="五亩三分")

    # The adviser answers again with /answer, then closes the case.
    await api.send_text(winner, "/answer 1 那就按合同重新量，量完还有争议再找我。")
    await api.wait_for_message(granny, contains="按合同重新量")
    await api.send_text(winner, "/close 1")
    await api.wait_for_message(granny, contains="处理完毕")
    await api.wait_for_message(winner, contains="#1 已结束")

    log = await kinds(desk)
    for kind in (
        EventKind.HANDOFF,
        EventKind.CASE_CLAIMED,
        EventKind.CASE_ANSWERED,
        EventKind.ANSWER_DELIVERED,
        EventKind.FOLLOW_UP,
        EventKind.CASE_CLOSED,
    ):
        assert kind in log
    assert log.count(EventKind.CASE_CLAIMED) == 1
    assert loser is not winner


async def test_nobody_on_duty_resident_hears_next_shift_and_advisers_get_a_digest(
    desk: Desk,
) -> None:
    desk.clock.advance(hours=12)  # Wednesday 22:30 in Shanghai
    resident = desk.api.new_user("老张")
    await desk.api.send_text(resident, LAND)
    told = await desk.api.wait_for_message(resident, contains="#1")
    assert "明天10:00上班后会回复您" in told.visible_text
    assert desk.api.messages_to(desk.li) == []

    await desk.run_job("digest")  # remembers 22:30 as its last run
    desk.clock.advance(hours=11, minutes=31)  # Thursday 10:01
    await desk.run_job("digest")
    digest = await desk.api.wait_for_message(desk.li, contains="上班好")
    assert "#1" in digest.visible_text and digest.button_texts() == ["认领 #1"]


async def test_unclaimed_case_is_reannounced_with_the_injected_clock(desk: Desk) -> None:
    await hand_off(desk)
    await desk.api.wait_for_message(desk.li, contains="#1")
    desk.clock.advance(minutes=31)
    await desk.run_job("remind")
    again = await desk.api.wait_for_message(desk.li, contains="还没有人认领")
    assert "#1" in again.visible_text


async def test_blocked_resident_and_rate_limited_answer(desk: Desk) -> None:
    api = desk.api
    granny = await hand_off(desk, "王大妈")
    uncle = await hand_off(desk, "李大爷", "帮我写一份起诉状，告包工头拖欠的拾花工钱")

    api.block(granny)
    await api.send_text(desk.li, "/answer 1 您好")
    await api.wait_for_message(desk.li, contains="没有送达")

    api.fail_next("sendMessage", status=429, retry_after=1, chat_id=uncle.id)
    await api.send_text(desk.li, "/answer 2 您好，这是工伤")
    # Updates are handled in order: once /queue is answered, the 429 has been recorded.
    await api.send_text(desk.li, "/queue")
    await api.wait_for_message(desk.li, contains="待处理问题")
    assert not [m for m in api.messages_to(uncle) if "这是工伤" in m.visible_text]
    desk.clock.advance(seconds=2)
    await desk.run_job("outbox")
    await api.wait_for_message(uncle, contains="这是工伤")
    await api.wait_for_message(desk.li, contains="#2 的回复已送达")
    log = await kinds(desk)
    assert log.count(EventKind.ANSWER_UNDELIVERABLE) == 1
    assert log.count(EventKind.ANSWER_DELIVERED) == 1


async def test_non_advisers_cannot_use_staff_commands_or_forged_buttons(desk: Desk) -> None:
    api = desk.api
    granny = await hand_off(desk)
    notice = await api.wait_for_message(desk.li, contains="#1")
    stranger = api.new_user("好奇的人")
    await api.send_text(stranger, "/answer 1 我来答")
    refusal = await api.wait_for_message(stranger)
    assert "只有法律顾问" in refusal.visible_text
    await api.send_text(stranger, "/claim 1")
    await api.wait_for_message(stranger, contains="只有法律顾问")
    forged = await api.press_button(stranger, notice, "claim:1", check=False)
    assert "只有法律顾问" in (await api.wait_for_callback_answer(forged))["text"]
    missing = await api.press_button(desk.li, notice, "claim:999", check=False)
    assert "没有编号为 #999" in (await api.wait_for_callback_answer(missing))["text"]
    async with desk.services.sessions() as session:
        case = await session.get(CaseRow, 1)
    assert case is not None and case.status == "open"
    assert (await kinds(desk)).count(EventKind.REFUSED) == 3
    assert not [m for m in api.messages_to(granny) if "法律顾问回复" in m.visible_text]


async def test_bad_adviser_input_gets_precise_messages(desk: Desk) -> None:
    api = desk.api
    await hand_off(desk)
    for command, expected in [
        ("/answer", "用法"),
        ("/answer 1", "用法"),
        ("/answer 99 你好", "没有编号为 #99"),
        ("/claim abc", "用法"),
        ("/case", "用法"),
        ("/duty maybe", "用法"),
    ]:
        await api.send_text(desk.li, command)
        await api.wait_for_message(desk.li, contains=expected)
    await api.send_text(desk.li, "随便说一句")
    await api.wait_for_message(desk.li, contains="回复")
    await api.send_text(desk.zhang, "/queue")
    queue = await api.wait_for_message(desk.zhang, contains="待处理问题")
    assert "#1 [待认领]" in queue.visible_text
