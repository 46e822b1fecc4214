"""The real bot (PTB Application, real HTTP) against the fake Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.tg.application import build_application, post_init
from bot.adapters.tg.context import DeskApplication
from bot.app import Knowledge, Services, build_services
from bot.config import load_settings
from bot.core.clock import ManualClock
from tests.conftest import STAFF_YAML
from tests.fakebotapi import FakeBotApi, FakeUser

pytest_plugins = ["tests.fakebotapi.pytest_plugin"]


@dataclass
class Desk:
    """A running legaldesk bot, its fake Telegram, and handles for the test."""

    api: FakeBotApi
    app: DeskApplication
    services: Services
    clock: ManualClock
    li: FakeUser
    zhang: FakeUser
    office: FakeUser

    async def run_job(self, name: str) -> None:
        """Run a JobQueue job now (the clock is the test's, so its interval is meaningless)."""
        assert self.app.job_queue is not None
        [job] = self.app.job_queue.get_jobs_by_name(name)
        await job.run(self.app)


@pytest.fixture
async def desk(
    fake_tg: FakeBotApi, database_url: str, tmp_path: Path, knowledge: Knowledge,
    clock: ManualClock,
) -> AsyncIterator[Desk]:
    config = tmp_path / "legaldesk.yaml"
    config.write_text(STAFF_YAML, encoding="utf-8")
    settings = load_settings(config, {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": fake_tg.token,
        "TELEGRAM_API_BASE_URL": fake_tg.base_url,
    }, cwd=tmp_path)
    services = build_services(settings, knowledge, clock)
    app = build_application(services)
    staff = {
        m.telegram_id: fake_tg.new_user(first_name=m.name, user_id=m.telegram_id)
        for m in settings.roster.members
    }
    await app.initialize()
    await post_init(app, services)
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield Desk(fake_tg, app, services, clock, staff[9001], staff[9002], staff[9100])
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await services.close()
