"""The report per channel after real traffic: residents on Telegram and WeChat talk to one
``legaldesk run`` process (fake Bot API, fake WeChat server), then ``legaldesk report`` counts
each resident under the channel they wrote on."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from tests.e2e.test_wechat_run import (  # noqa: F401 - running: the fixture
    FAQ_QUESTION,
    SAFE_MODE_ONLY,
    UNKNOWN,
    Running,
    running,
)
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture
from tests.integration.test_reports import channel

pytestmark = pytest.mark.e2e


@SAFE_MODE_ONLY
async def test_each_resident_is_counted_under_the_channel_they_wrote_on(
    running: Running,  # noqa: F811
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    started = datetime.now(ZoneInfo("Asia/Shanghai"))
    granny = running.tg.new_user(first_name="王大妈")
    await running.tg.send_text(granny, FAQ_QUESTION)
    await running.tg.wait_for_message(granny, contains="诉讼费", timeout=20)

    openid = running.wechat.new_openid()
    (await running.push.text(openid, FAQ_QUESTION)).assert_ok()
    await running.wechat.wait_for_message(openid, contains="诉讼费", timeout=20)
    (await running.push.text(openid, UNKNOWN)).assert_ok()
    await running.wechat.wait_for_message(openid, contains="#1", timeout=20)
    await running.tg.wait_for_message(running.adviser, contains="#1", timeout=20)
    await running.tg.send_text(running.adviser, "/answer 1 请带上退伍证到镇退役军人服务站。")
    await running.wechat.wait_for_message(openid, contains="退伍证", timeout=20)
    await running.tg.wait_for_message(running.adviser, contains="已送达", timeout=20)

    # The process runs on the real clock: this year in the desk's time zone.
    year = str(started.year)
    config = tmp_path / "report.yaml"
    config.write_text("timezone: Asia/Shanghai\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    argv = ["--config", str(config), "report", "--year", year, "--format", "json"]
    capsys.readouterr()
    assert await asyncio.to_thread(main, argv) == 0  # the CLI runs its own event loop
    report = json.loads(capsys.readouterr().out)
    assert report["by_channel"] == {
        "telegram": channel("Telegram", questions=1, residents=1, faq_answered=1),
        "wechat": channel(
            "微信公众号",
            questions=2,
            residents=1,
            faq_answered=1,
            handed_off=1,
            adviser_answered=1,
        ),
    }
    assert (report["questions"], report["residents"], report["handed_off"]) == (3, 2, 1)
    assert openid not in json.dumps(report)
