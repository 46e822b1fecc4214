"""Webhook mode and the health endpoints of the real ``legaldesk run`` process: Telegram POSTs
updates (the fake Bot API does, as Telegram does) to the console's server; the secret is checked
on every request; an update is stored before the 200 and a repeated one changes nothing."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.app import Knowledge
from bot.storage.models import InboxRow
from bot.storage.uow import create_engine, create_sessionmaker
from tests.e2e.conftest import faq_questions
from tests.e2e.instances import SECRET, WEBHOOK_PATH, instance
from tests.e2e.process import free_port
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e
HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def inbox_rows(url: str) -> int:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(InboxRow)) or 0)
    finally:
        await engine.dispose()


async def test_webhook_mode_answers_and_a_repeated_update_changes_nothing(
    fake_tg: FakeBotApi, database_url: str, tmp_path: Path, knowledge: Knowledge
) -> None:
    api, port = fake_tg, free_port()
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    async with instance(api, database_url, tmp_path, "web-1", port=port, webhook_url=url) as bot:
        [registered] = api.calls_to("setWebhook")
        assert registered["url"] == url and registered["secret_token"] == SECRET
        assert "callback_query" in registered["allowed_updates"]
        assert api.calls_to("getUpdates") == []  # no polling in webhook mode
        resident = api.new_user("王大妈")
        question = faq_questions(knowledge)[0]
        await api.send_text(resident, question)
        reply = await api.wait_for_message(resident, timeout=30)
        assert reply.visible_text.startswith(question)
        [update] = api.webhook_confirmed.values()
        async with aiohttp.ClientSession() as http:  # Telegram sends it again: nothing happens
            for _ in range(2):
                async with http.post(url, json=update, headers={HEADER: SECRET}) as response:
                    assert response.status == 200
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert (await response.json())["instance"] == "web-1"
        await api.send_text(resident, "谢谢")  # a later update is answered after the repeats
        await api.wait_for_message(resident, timeout=30)
        assert [m.visible_text for m in api.messages_to(resident)].count(reply.visible_text) == 1
        assert await inbox_rows(database_url) == 2
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), timeout=30) == 0
    assert api.calls_to("deleteWebhook") == []  # other instances keep receiving (the default)
    assert "[web-1]" in (tmp_path / "web-1.log").read_text(encoding="utf-8")


async def test_a_request_without_the_secret_is_refused_and_nothing_is_stored(
    fake_tg: FakeBotApi, tmp_path: Path
) -> None:
    api, port = fake_tg, free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    forged = {
        "update_id": 555,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": 4242, "type": "private", "first_name": "冒充"},
            "from": {"id": 4242, "is_bot": False, "first_name": "冒充"},
            "text": "/start",
        },
    }
    async with instance(api, database_url, tmp_path, "web-2", port=port, webhook_url=url):
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {HEADER: "wrong"}, {HEADER: SECRET + "x"}):
                async with http.post(url, json=forged, headers=headers) as response:
                    assert response.status == 403
            for body in ("not json", "[1, 2]", '{"update_id": "7"}'):  # with the secret: 400
                async with http.post(url, data=body, headers={HEADER: SECRET}) as response:
                    assert response.status == 400
        assert await inbox_rows(database_url) == 0
        assert api.messages_to(4242) == []


async def test_readiness_reports_the_database_schema_and_channels(
    fake_tg: FakeBotApi, tmp_path: Path
) -> None:
    api, port = fake_tg, free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    async with (
        instance(api, database_url, tmp_path, "polling-1", port=port, webhook_url=None),
        aiohttp.ClientSession() as http,
    ):
        async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
            body = await response.json()
        assert response.status == 200
        assert body == {
            "ready": True,
            "instance": "polling-1",
            "database": "ok",
            "schema": "current",
            "channels_not_started": [],
        }
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200


async def test_a_second_instance_on_the_same_sqlite_file_is_refused(
    fake_tg: FakeBotApi, tmp_path: Path
) -> None:
    api = fake_tg
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}"
    first_port, second_port = free_port(), free_port()
    async with instance(api, database_url, tmp_path, "first", port=first_port, webhook_url=None):
        async with instance(
            api, database_url, tmp_path, "second", port=second_port, webhook_url=None, ready=False
        ) as second:
            assert await asyncio.wait_for(second.wait(), timeout=60) == 2
        refusal = (tmp_path / "second.log").read_text(encoding="utf-8")
        assert "already in use by legaldesk instance first" in refusal
        assert "use PostgreSQL for several instances" in refusal
