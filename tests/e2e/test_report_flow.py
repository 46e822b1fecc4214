"""Residents and an adviser through the real bot, then the office's report of what happened."""

from __future__ import annotations

import asyncio
import io
import json

import pytest
from openpyxl import load_workbook

from bot.cli import main
from tests.e2e.conftest import Desk

pytestmark = pytest.mark.e2e

FRAUD = "被骗了钱还能追回来吗，要去哪报案"  # an FAQ question (a scam text would be checked)
LAND = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"


async def test_report_counts_exactly_what_residents_and_advisers_did(
    desk: Desk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = desk.api
    granny, uncle, child = api.new_user("王大妈"), api.new_user("李大爷"), api.new_user("小刘")

    await api.send_text(granny, FRAUD)
    answer = await api.wait_for_message(granny, contains="法律依据")
    await api.press_button(granny, answer, answer.callback_data_for("有帮助"))
    await api.wait_for_message(granny, contains="谢谢")

    await api.send_text(uncle, LAND)
    await api.wait_for_message(uncle, contains="#1")
    notice = await api.wait_for_message(desk.li, contains="#1")
    await api.press_button(desk.li, notice, "claim:1")
    await api.wait_for_message(desk.li, contains="您已认领 #1")
    desk.clock.advance(minutes=42)
    await api.send_text(desk.li, "/answer 1 请先把承包合同找出来。")
    await api.wait_for_message(uncle, contains="请先把承包合同找出来")
    await api.wait_for_message(desk.li, contains="已送达")

    await api.send_text(child, "你好")
    await api.wait_for_message(child, contains="您好")

    # The command line's JSON report, on the same database.
    monkeypatch.setenv("DATABASE_URL", desk.services.settings.database_url)
    config = str(desk.services.settings.config_path)
    argv = ["--config", config, "report", "--month", "2026-11", "--format", "json"]
    assert await asyncio.to_thread(main, argv) == 0  # the CLI runs its own event loop
    report = json.loads(capsys.readouterr().out)
    assert report["month"] == "2026-11" and report["timezone"] == "Asia/Shanghai"
    assert (report["questions"], report["residents"]) == (2, 2)
    assert (report["faq_answered"], report["clarified"], report["handed_off"]) == (1, 0, 1)
    assert (report["adviser_answered"], report["open_at_end"]) == (1, 0)
    assert report["feedback"] == {"helpful": 1, "not_helpful": 0}
    assert report["first_response_minutes"]["median"] == 42.0
    assert report["by_adviser"] == {"李律师": 1}
    assert report["by_day"]["2026-11-25"] == 2
    assert [e["faq_id"] for e in report["top_entries"]] == ["fraud-victim-steps"]
    assert "王大妈" not in json.dumps(report, ensure_ascii=False)

    # The office asks the bot and gets the same figures as an Excel workbook.
    await api.send_text(desk.office, "/report 2026-11")
    document = await api.wait_for_message(desk.office, predicate=lambda m: m.file is not None)
    summary = await api.wait_for_message(desk.office, contains="2026")
    assert len(summary.visible_text.strip().splitlines()) == 5
    sheets = load_workbook(io.BytesIO(document.document), read_only=True)
    overview = {row[0]: row[1] for row in sheets["概况"].iter_rows(values_only=True)}
    assert overview["居民提问（次）"] == report["questions"]
    assert overview["提问居民（人）"] == report["residents"]
    assert overview["转法律顾问（件）"] == report["handed_off"]
    assert overview["法律顾问已答复（件）"] == report["adviser_answered"]
    assert overview["首次答复用时中位数（分钟）"] == 42.0
    assert {"按主题", "按日", "按法律顾问"} <= set(sheets.sheetnames)

    # A resident asking for the report is refused politely.
    await api.send_text(granny, "/report")
    await api.wait_for_message(granny, contains="只有法律顾问")
