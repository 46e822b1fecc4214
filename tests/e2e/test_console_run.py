"""`legaldesk run` (the real process) serves the web console on web.listen beside the bot, and a
SIGTERM stops both."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import REPO, STAFF_YAML
from tests.fakebotapi import FakeBotApi

pytestmark = pytest.mark.e2e


async def test_run_serves_the_console_where_configured(
    fake_tg: FakeBotApi, database_url: str, tmp_path: Path
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = tmp_path / "legaldesk.yaml"
    config.write_text(STAFF_YAML + f"web: {{listen: '127.0.0.1:{port}'}}\n", encoding="utf-8")
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake_tg.token,
        "TELEGRAM_API_BASE_URL": fake_tg.base_url,
        "DATABASE_URL": database_url,
        "LEGALDESK_CONFIG": str(config),
    }
    with (tmp_path / "run.log").open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=REPO, env=env, stdout=log, stderr=log
        )
        try:
            # The console is started before the bot polls.
            await fake_tg.wait_for_call("getUpdates", timeout=60)
            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{port}"
                async with http.get(f"{url}/queue", allow_redirects=False) as response:
                    assert response.status == 302
                async with http.get(f"{url}/signin") as response:
                    assert response.status == 200 and "法律顾问服务台" in await response.text()
            process.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(process.wait(), timeout=30) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    with socket.socket() as sock:  # nothing listens there any more: the console stopped too
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # (Linux: not past a listener)
        sock.bind(("127.0.0.1", port))
