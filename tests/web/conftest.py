"""The web console on a real database, driven through aiohttp's test client."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web import build_web_app
from bot.app import Knowledge, Services, build_services
from bot.config import Settings
from bot.config.settings import WebSettings
from bot.core.clock import ManualClock
from tests.fakebotapi.pytest_plugin import fake_tg  # noqa: F401 - the fixture, for this folder
from tests.fakes import RecordingTransport, record_every_channel

BASE_URL = "https://desk.example.cn"
LI, ZHANG, OFFICE = 9001, 9002, 9100
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LINK = re.compile(r"/signin/([A-Za-z0-9_-]+)")


@dataclass
class Console:
    services: Services
    client: TestClient
    clock: ManualClock

    @property
    def sent(self) -> RecordingTransport:
        return self.services.transport()  # type: ignore[return-value]

    async def link_token(self, telegram_id: int) -> str:
        """What ``/console`` sends: the token of a fresh one-time link."""
        batch = await self.services.console.request_link(telegram_id)
        [message] = batch.messages
        assert message.chat_id == telegram_id
        match = LINK.search(message.text)
        assert match is not None
        return match.group(1)

    async def csrf(self, path: str) -> str:
        response = await self.client.get(path)
        match = CSRF.search(await response.text())
        assert match is not None, path
        return match.group(1)

    async def redeem(self, token: str) -> tuple[int, str]:
        csrf = await self.csrf(f"/signin/{token}")
        response = await self.client.post(
            "/signin/link", data={"csrf": csrf, "token": token}, allow_redirects=False
        )
        return response.status, await response.text()

    async def sign_in(self, telegram_id: int) -> None:
        status, _ = await self.redeem(await self.link_token(telegram_id))
        assert status == 303

    async def post(self, path: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        """A form submitted from the page it is on (with that page's CSRF token)."""
        page = "/queue" if not path.startswith("/cases/") else path.rsplit("/", 1)[0]
        csrf = await self.csrf(page)
        response = await self.client.post(path, data={"csrf": csrf, **(data or {})})
        return response.status, await response.text()


@pytest.fixture
def web_settings(settings: Settings) -> Settings:
    return replace(settings, web=WebSettings(None, BASE_URL, secure_cookies=False))


@pytest.fixture
async def console(
    web_settings: Settings, knowledge: Knowledge, clock: ManualClock
) -> AsyncIterator[Console]:
    services = build_services(web_settings, knowledge, clock)
    record_every_channel(services)
    client = TestClient(TestServer(build_web_app(services)))
    await client.start_server()
    try:
        yield Console(services, client, clock)
    finally:
        await client.close()
        await services.close()
