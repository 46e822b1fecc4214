"""The scam check through the real bot over real HTTP: residents forward messages (the update
carries ``forward_origin``), the bot warns, hands unclear ones to the adviser flagged 疑似诈骗,
leaves ordinary notices alone, and the office's report counts the checks by pattern."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.cli import main
from tests.e2e.conftest import Desk
from tests.fakebotapi import BotMessage
from tests.scam_samples import ORDINARY_NOTICE, SCAM_TEXTS

pytestmark = pytest.mark.e2e

REASSURING = ("是安全的", "没有问题", "没问题", "放心", "不是骗局", "不是诈骗", "是真的")
# Only a forwarded message this vague is a check: typed, it is an ordinary question.
UNCLEAR = "您有一份重要文件待查收，详情请点击 http://ab12.cc/x9 查看"


def reassures(message: BotMessage) -> bool:
    return any(word in message.visible_text.replace("是不是", "") for word in REASSURING)


async def test_forwarded_scams_of_every_pattern_get_their_warning(desk: Desk) -> None:
    api, checker, kb = desk.api, desk.services.knowledge.scams, desk.services.knowledge.kb
    assert checker is not None
    residents = {pattern_id: api.new_user(f"居民{i}") for i, pattern_id in enumerate(SCAM_TEXTS)}
    await asyncio.gather(*(api.forward_text(residents[p], text) for p, text in SCAM_TEXTS.items()))
    for pattern_id, resident in residents.items():
        pattern = checker.pattern(pattern_id)
        entry = kb.get(pattern.entry) if pattern else None
        assert pattern is not None and entry is not None
        reply = await api.wait_for_message(resident)
        assert reply.visible_text.startswith(f"⚠️ 这很像「{pattern.name}」骗局。"), pattern_id
        assert "96110" in reply.visible_text and "不要转账" in reply.visible_text
        assert "法律依据：" + "；".join(entry.basis) in reply.visible_text
        assert reply.button_texts() == ["👍 有帮助", "🙋 还是拿不准，找法律顾问"]
        assert not reassures(reply)
    await desk.settle()
    assert api.messages_to(desk.li) == []  # warnings need no adviser


async def test_an_ordinary_forwarded_notice_is_neither_a_scam_nor_safe(desk: Desk) -> None:
    uncle = desk.api.new_user("李大爷")
    await desk.api.forward_text(
        uncle,
        ORDINARY_NOTICE,
        origin={
            "type": "chat",
            "sender_chat": {"id": -1001, "type": "group", "title": "三连职工群"},
        },
    )
    reply = await desk.api.wait_for_message(uncle)
    assert "骗局" not in reply.visible_text and "疑似诈骗" not in reply.visible_text
    assert not reassures(reply)
    await desk.settle()
    assert all("疑似诈骗" not in m.visible_text for m in desk.api.messages_to(desk.li))


async def test_an_unclear_forward_reaches_the_adviser_flagged(desk: Desk) -> None:
    api, granny = desk.api, desk.api.new_user("王大妈")
    await api.forward_text(granny, UNCLEAR)
    reply = await api.wait_for_message(granny)
    assert "拿不准" in reply.visible_text and "#1" in reply.visible_text
    assert "96110" in reply.visible_text and not reassures(reply)
    notice = await api.wait_for_message(desk.li, contains="#1")
    assert "🚩 疑似诈骗" in notice.visible_text and "ab12.cc" in notice.visible_text
    await api.press_button(desk.li, notice, "claim:1")
    await api.wait_for_message(desk.li, contains="您已认领 #1")
    await api.send_text(desk.li, "/answer 1 这是骗人的链接，千万别点。")
    answer = await api.wait_for_message(granny, contains="千万别点")
    assert "骗人的链接" in answer.visible_text


async def test_the_same_text_typed_is_not_a_check(desk: Desk) -> None:
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, UNCLEAR)
    reply = await desk.api.wait_for_message(granny)
    assert "拿不准" not in reply.visible_text and "疑似诈骗" not in reply.visible_text


async def test_the_report_counts_the_checks_by_pattern(
    desk: Desk, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    api = desk.api
    granny, uncle = api.new_user("王大妈"), api.new_user("李大爷")
    await api.forward_text(granny, SCAM_TEXTS["impersonate-relatives"])
    await api.wait_for_message(granny, contains="骗局")
    await api.forward_text(uncle, SCAM_TEXTS["impersonate-relatives"])
    await api.wait_for_message(uncle, contains="骗局")
    await api.forward_text(uncle, SCAM_TEXTS["medical-insurance"])
    await api.wait_for_message(uncle, contains="骗局")
    await api.forward_text(granny, UNCLEAR)
    await api.wait_for_message(granny, contains="拿不准")
    await api.forward_text(uncle, ORDINARY_NOTICE)
    await api.wait_for_message(uncle)
    await desk.settle()

    monkeypatch.setenv("DATABASE_URL", desk.services.settings.database_url)
    config = str(desk.services.settings.config_path)
    argv = ["--config", config, "report", "--month", "2026-11", "--format", "json"]
    assert await asyncio.to_thread(main, argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["scam_checks"] == 4
    counted = {p: n for p, n in report["scam_checks_by_pattern"].items() if n}
    assert counted == {"impersonate-relatives": 2, "medical-insurance": 1, "unsure": 1}
    text = json.dumps(report, ensure_ascii=False)
    assert "王大妈" not in text and "李大爷" not in text and "ab12" not in text
