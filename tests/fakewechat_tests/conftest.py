"""Fixtures of the fake WeChat server's own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from tests.fakewechat import FakeWeChat
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture

from .apiclient import Api


@pytest_asyncio.fixture
async def api(fake_wechat: FakeWeChat) -> AsyncIterator[Api]:  # noqa: F811
    """A client of the fake holding a fresh access token."""
    async with aiohttp.ClientSession() as http:
        client = Api(fake_wechat, http)
        await client.fetch_token()
        yield client
