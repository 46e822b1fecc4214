"""pytest plugin: ``pytest_plugins = ["tests.fakebotapi.pytest_plugin"]`` gives ``fake_tg``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from . import FakeBotApi


@pytest_asyncio.fixture
async def fake_tg() -> AsyncIterator[FakeBotApi]:
    """A started FakeBotApi (token "123456:TEST-TOKEN"), stopped after the test. Fails the
    test at teardown if the fake server itself crashed while handling a request."""
    api = FakeBotApi()
    await api.start()
    try:
        yield api
    finally:
        await api.stop()
    assert not api.internal_errors, f"fake Bot API crashed: {api.internal_errors}"
