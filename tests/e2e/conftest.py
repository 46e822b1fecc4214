"""The real bot (PTB Application, real HTTP) against the fake Bot API server, started the way
production starts it: through the durable intake (bot.adapters.tg.serving.running)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.tg.application import build_application
from bot.adapters.tg.context import DeskApplication
from bot.adapters.tg.intake import Intake, IntakePolicy
from bot.adapters.tg.processor import RetryPolicy
from bot.adapters.tg.serving import running
from bot.app import Knowledge, Services, build_services
from bot.config import load_settings
from bot.core.clock import ManualClock
from bot.core.matching.matcher import Action
from bot.core.scams import VerdictKind
from tests.conftest import STAFF_YAML
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.fakebotapi.pytest_plugin import fake_tg  # noqa: F401 - the fixture, for this folder

# Production timings, with back-offs short enough that a retry costs a test milliseconds.
TEST_POLICY = IntakePolicy(
    poll_timeout=1,
    read_slack=2.0,
    retry=RetryPolicy(max_attempts=4, base=0.05, cap=0.4),
    poll_backoff_base=0.05,
    poll_backoff_cap=0.3,
)


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
    intake: Intake

    async def settle(self) -> None:
        """Until every update sent so far is fetched, stored and processed (replies sent).
        Chats run concurrently, so a reply in one chat says nothing about the others."""
        await self.api.wait_until_confirmed()
        await self.intake.idle()

    async def run_job(self, name: str) -> None:
        """Run a JobQueue job now (the clock is the test's, so its interval is meaningless)."""
        assert self.app.job_queue is not None
        [job] = self.app.job_queue.get_jobs_by_name(name)
        await job.run(self.app)


def faq_questions(knowledge: Knowledge) -> list[str]:
    """Canonical FAQ questions the matcher answers outright with their own entry, so that the
    reply starts with the question itself (not those the scam check warns about)."""

    def answered_by_itself(entry_id: str, question: str) -> bool:
        result = knowledge.matcher.match(question)
        scams = knowledge.scams
        warned = scams is not None and scams.check(question).kind is VerdictKind.WARN
        return (
            result.action is Action.ANSWER
            and result.best is not None
            and (result.best.faq_id == entry_id)
            and not warned  # the scam check answers first: 「…安全账户，是真的吗？」
        )

    return [e.question for e in knowledge.kb if answered_by_itself(e.id, e.question)]


@pytest.fixture
def intake_policy() -> IntakePolicy:
    """The intake's timings for ``desk``; a test module may override this fixture."""
    return TEST_POLICY


@pytest.fixture
async def desk(
    fake_tg: FakeBotApi,  # noqa: F811 - the fixture imported above
    database_url: str,
    tmp_path: Path,
    knowledge: Knowledge,
    clock: ManualClock,
    intake_policy: IntakePolicy,
) -> AsyncIterator[Desk]:
    config = tmp_path / "legaldesk.yaml"
    config.write_text(STAFF_YAML, encoding="utf-8")
    settings = load_settings(
        config,
        {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": fake_tg.token,
            "TELEGRAM_API_BASE_URL": fake_tg.base_url,
        },
        cwd=tmp_path,
    )
    services = build_services(settings, knowledge, clock)
    app = build_application(services, intake_policy)
    staff = {
        m.telegram_id: fake_tg.new_user(first_name=m.name, user_id=m.telegram_id)
        for m in settings.roster.members
    }
    try:
        async with running(app, services, intake_policy) as intake:
            yield Desk(fake_tg, app, services, clock, staff[9001], staff[9002], staff[9100], intake)
    finally:
        await services.close()


BROWSER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests need Debian's chromium and chromium-driver (.ci/run installs them); where
    they are missing the tests are deselected, loudly, rather than failed."""
    if all(path.exists() for path in BROWSER):
        return
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]
        print(f"\n{len(browser)} browser test(s) not run: install chromium and chromium-driver")
