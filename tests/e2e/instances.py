"""Running real ``legaldesk run`` processes with the web server (health endpoints, webhook)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import STAFF_YAML
from tests.e2e.process import legaldesk_run
from tests.fakebotapi import FakeBotApi

SECRET = "legaldesk-webhook-secret_0123456789"
WEBHOOK_PATH = "/telegram/webhook"


def config_yaml(
    port: int, webhook_url: str | None, extra: str = "", staff: str = STAFF_YAML
) -> str:
    """The roster, the web server on ``port``, webhook mode when a URL is given."""
    text = staff + f"web: {{listen: '127.0.0.1:{port}', secure_cookies: false}}\n"
    if webhook_url:
        text += f"telegram: {{mode: webhook, webhook_url: '{webhook_url}'}}\n"
    return text + extra


async def wait_ready(port: int, timeout: float = 60.0) -> dict[str, Any]:  # noqa: ASYNC109
    """Until the instance's /readyz answers 200; its body."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as http:
        while True:
            try:
                async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        body: dict[str, Any] = await response.json()
                        return body
            except aiohttp.ClientError:
                pass
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"instance on port {port} never became ready")
            await asyncio.sleep(0.1)  # polling a condition with a deadline


@asynccontextmanager
async def instance(
    api: FakeBotApi,
    database_url: str,
    folder: Path,
    name: str,
    *,
    port: int,
    webhook_url: str | None,
    extra_yaml: str = "",
    staff_yaml: str = STAFF_YAML,
    ready: bool = True,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m bot run --instance-id <name>``, ready for traffic; killed on exit if alive."""
    env = {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": database_url,
    }
    config = config_yaml(port, webhook_url, extra_yaml, staff_yaml)
    async with legaldesk_run(
        folder, config, env, name=name, args=("--instance-id", name)
    ) as process:
        if ready:
            await wait_ready(port)
        yield process
