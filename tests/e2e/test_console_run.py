"""`legaldesk run` (the real process) serves the web console on web.listen beside the bot, and a
SIGTERM stops both."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import STAFF_YAML
from tests.e2e.process import free_port, legaldesk_run, stop
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e


async def test_run_serves_the_console_where_configured(
    fake_tg: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    config = STAFF_YAML + f"web: {{listen: '127.0.0.1:{port}'}}\n"
    env = {
        "TELEGRAM_BOT_TOKEN": fake_tg.token,
        "TELEGRAM_API_BASE_URL": fake_tg.base_url,
        "DATABASE_URL": database_url,
    }
    async with legaldesk_run(tmp_path, config, env) as process:
        await fake_tg.wait_for_call("getUpdates", timeout=60)  # the console starts before this
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}"
            async with http.get(f"{url}/queue", allow_redirects=False) as response:
                assert response.status == 302
            async with http.get(f"{url}/signin") as response:
                assert response.status == 200 and "法律顾问服务台" in await response.text()
        assert await stop(process) == 0
    with socket.socket() as sock:  # nothing listens there any more: the console stopped too
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (Linux: not past a listener)
        sock.bind(("127.0.0.1", port))
