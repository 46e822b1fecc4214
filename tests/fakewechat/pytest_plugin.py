"""pytest plugin: ``pytest_plugins = ["tests.fakewechat.pytest_plugin"]`` gives
``fake_wechat``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from . import FakeWeChat


@pytest_asyncio.fixture
async def fake_wechat() -> AsyncIterator[FakeWeChat]:
    """A started FakeWeChat, stopped after the test. Fails the test at teardown if the fake
    server itself crashed while handling a request."""
    wechat = FakeWeChat()
    await wechat.start()
    try:
        yield wechat
    finally:
        await wechat.stop()
    assert not wechat.internal_errors, f"fake WeChat crashed: {wechat.internal_errors}"
