"""/privacy, /forgetme and the daily purge through the real bot and the fake Bot API."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select

from bot.storage.models import (
    CaseMessageRow,
    CaseRow,
    InboxRow,
    InteractionRow,
    OutboxRow,
    ResidentRow,
)
from tests.e2e.conftest import Desk

pytestmark = pytest.mark.e2e

NAME = "隐私测试王秀英"
LAND = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，秘密细节甲乙丙"


async def stored(desk: Desk) -> str:
    async with desk.services.sessions() as session:
        columns = (
            InteractionRow.text,
            CaseRow.question,
            CaseMessageRow.text,
            OutboxRow.text,
            ResidentRow.display_name,
        )
        texts = [t for c in columns for t in await session.scalars(select(c)) if t]
        raw = [
            json.dumps(p, ensure_ascii=False)
            for p in await session.scalars(
                select(InboxRow.payload).where(InboxRow.processed_at.is_not(None))
            )
        ]
        return " ".join(texts + raw)


async def settle(desk: Desk) -> None:
    """Wait until the bot has fetched, stored and handled everything sent so far."""
    await desk.api.wait_until_confirmed()
    await desk.intake.idle()


async def test_privacy_notice_and_command_menu(desk: Desk) -> None:
    granny = desk.api.new_user(NAME)
    await desk.api.send_text(granny, "/privacy")
    notice = await desk.api.wait_for_message(granny)
    assert "保存 24 个月" in notice.visible_text and "/forgetme" in notice.visible_text
    [menu] = [c for c in desk.api.calls_to("setMyCommands") if "scope" not in c]
    assert "forgetme" in str(menu["commands"])


async def test_forgetme_after_a_case_leaves_nothing_personal_and_logs_nothing_personal(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api = desk.api
    granny = api.new_user(NAME)
    await api.send_text(granny, LAND)
    await api.wait_for_message(granny, contains="#1")
    notice = await api.wait_for_message(desk.li, contains="#1")
    await api.press_button(desk.li, notice, "claim:1")
    await api.wait_for_message(desk.li, contains="您已认领 #1")

    await api.send_text(granny, "/forgetme")
    ask = await api.wait_for_message(granny)
    assert ask.button_texts() == ["确认删除", "取消"]
    await api.press_button(granny, ask, ask.callback_data_for("取消"))
    assert "已取消" in (await api.wait_for_message(granny)).visible_text
    assert NAME in await stored(desk)

    await api.send_text(granny, "/forgetme")
    ask = await api.wait_for_message(granny)
    query = await api.press_button(granny, ask, ask.callback_data_for("确认删除"))
    await api.wait_for_callback_answer(query)
    assert "已经删除" in (await api.wait_for_message(granny)).visible_text
    assert "不用再回复" in (await api.wait_for_message(desk.li, contains="#1")).visible_text
    everything = await stored(desk)
    assert NAME not in everything and "秘密细节" not in everything

    # The adviser's old notice still leads to its case, which is over.
    await api.send_text(desk.li, "您好，请把合同找出来", reply_to=notice.raw)
    assert "已经结束" in (await api.wait_for_message(desk.li)).visible_text
    assert not [m for m in api.messages_to(granny) if "合同找出来" in m.visible_text]

    leaked = [
        r.getMessage()
        for r in caplog.records
        if NAME in r.getMessage() or "秘密细节" in r.getMessage()
    ]
    assert leaked == []
    assert any("forgotten" in r.getMessage() for r in caplog.records)  # it was logged, no name
    assert api.errors == []


async def test_the_daily_purge_job_redacts_texts_past_the_retention_period(desk: Desk) -> None:
    api = desk.api
    old, recent = api.new_user("老用户"), api.new_user("新用户")
    await api.send_text(old, LAND)
    await settle(desk)
    desk.clock.advance(days=24 * 31)
    await api.send_text(recent, "我家承包地的事，新的问题")
    await settle(desk)
    await desk.run_job("purge")
    everything = await stored(desk)
    assert "秘密细节" not in everything and "新的问题" in everything
