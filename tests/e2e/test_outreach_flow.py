"""Monthly themes through the real bot over real HTTP: subscribe → the theme arrives at its time →
了解更多 → counted by ``legaldesk report --format json``; unsubscribing stops a queued broadcast."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.models import OutboxRow
from tests.conftest import REPO, STAFF_YAML
from tests.e2e.conftest import Desk
from tests.fakebotapi import BotMessage, FakeUser

pytestmark = pytest.mark.e2e

# 2026-12-10 09:30 in Asia/Shanghai: the shipped December theme's send_at.
DECEMBER_SEND = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)
THEME = "2026年12月普法"


def is_theme(message: BotMessage) -> bool:
    return THEME in message.visible_text


async def subscribe_by_button(desk: Desk, resident: FakeUser) -> None:
    await desk.api.send_text(resident, "/start")
    welcome = await desk.api.wait_for_message(resident)
    assert "📬 订阅每月普法" in welcome.button_texts()
    await desk.api.press_button(resident, welcome, welcome.callback_data_for("订阅每月普法"))
    await desk.api.wait_for_message(resident, contains="订阅成功")


async def report_json(database_url: str, folder: Path, month: str) -> dict[str, object]:
    """``legaldesk report --month MONTH --format json``, run as the office runs it."""
    config = folder / "office.yaml"
    config.write_text(STAFF_YAML, encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": database_url, "LEGALDESK_CONFIG": str(config)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "report",
        "--month",
        month,
        "--format",
        "json",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out)  # type: ignore[no-any-return]


async def test_subscribe_theme_at_its_time_learn_more_counted(
    desk: Desk, database_url: str, tmp_path: Path
) -> None:
    api = desk.api
    granny, grandpa, neighbour = (api.new_user(n) for n in ("王大妈", "李大爷", "赵婶"))
    await subscribe_by_button(desk, granny)
    await subscribe_by_button(desk, grandpa)
    await api.send_text(neighbour, "/start")  # never subscribes
    await api.wait_for_message(neighbour)

    desk.clock.set(DECEMBER_SEND.replace(minute=29))
    await desk.run_job("themes")  # a minute early: nothing
    desk.clock.set(DECEMBER_SEND)
    await desk.run_job("themes")
    theme = await api.wait_for_message(granny, is_theme)
    await api.wait_for_message(grandpa, is_theme)
    assert "96110" in theme.visible_text
    assert theme.button_texts() == ["📖 了解更多", "🔕 退订"]

    await api.press_button(granny, theme, theme.callback_data_for("了解更多"))
    entry = await api.wait_for_message(granny, contains="安全账户")
    assert "法律依据" in entry.visible_text
    await desk.run_job("themes")  # its time has passed, but it is never sent twice
    await desk.settle()
    assert [m for m in api.messages_to(neighbour) if is_theme(m)] == []
    assert sum(map(is_theme, api.messages_to(granny))) == 1

    report = await report_json(database_url, tmp_path, "2026-12")
    assert report["outreach"] == {
        "broadcasts": 1,
        "residents_reached": 2,
        "learn_more": 1,
        "subscribers_at_end": 2,
    }
    assert "王大妈" not in json.dumps(report, ensure_ascii=False)


async def test_unsubscribe_stops_a_queued_broadcast(desk: Desk) -> None:
    api = desk.api
    granny, grandpa = api.new_user("王大妈"), api.new_user("李大爷")
    await subscribe_by_button(desk, granny)
    await subscribe_by_button(desk, grandpa)
    assert desk.app.job_queue is not None
    [pump_job] = desk.app.job_queue.get_jobs_by_name("broadcasts")
    pump_job.enabled = False  # the theme stays queued until the test runs the pump
    await desk.services.pump.stop()
    queued = await desk.services.broadcasts.queue("2026-12")
    assert queued.broadcast.recipients == 2
    await api.send_text(granny, "/unsubscribe")
    await api.wait_for_message(granny, contains="已经退订")
    await desk.services.pump.drain()
    await api.wait_for_message(grandpa, is_theme)
    await desk.settle()
    assert [m for m in api.messages_to(granny) if is_theme(m)] == []
    async with desk.services.sessions() as session:
        statuses = dict(
            (
                await session.execute(
                    select(OutboxRow.chat_id, OutboxRow.status).where(
                        OutboxRow.broadcast_id.is_not(None)
                    )
                )
            ).all()
        )
    assert statuses == {granny.id: "cancelled", grandpa.id: "sent"}


async def test_a_forged_learn_more_gets_a_polite_answer(desk: Desk) -> None:
    api = desk.api
    granny = api.new_user("王大妈")
    await subscribe_by_button(desk, granny)
    welcome = api.messages_to(granny)[0]
    for data in ("more:2099-01", "more:'; drop table outbox;--", "unsub:1"):
        await api.press_button(granny, welcome, data, check=False)
        reply = await api.wait_for_message(granny)
        assert "按钮已经过期" in reply.visible_text
