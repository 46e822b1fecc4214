"""A WeChat-only desk: the real ``legaldesk run`` process with the WeChat channel configured
and no Telegram token, against the fake WeChat server of the test process."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.e2e.process import free_port, legaldesk_run
from tests.fakewechat import FakeWeChat, WeChatCallbacks

TOKEN = "legaldesk-wechat-only-token"
AES_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"  # 43 characters, as WeChat shows
# Advisers are named by Telegram id (staff of a WeChat-only desk work in the web console): their
# notices wait in the outbox for a process that runs Telegram.
ROSTER = """
timezone: Asia/Shanghai
advisers:
  - {telegram_id: 9001, name: 李律师, role: adviser, shifts: ["mon-sun 00:00-23:59"]}
"""
START_TIMEOUT = 60.0  # seconds: a cold start on a loaded machine migrates and indexes the FAQ


@dataclass
class WeChatDesk:
    process: asyncio.subprocess.Process
    push: WeChatCallbacks
    url: str
    log: Path


def wechat_config(wechat: FakeWeChat, port: int, roster: str = ROSTER) -> str:
    """The roster and the WeChat channel's settings, its message server on ``port``."""
    return (
        roster
        + f"wechat: {{app_id: {wechat.app_id}, listen: '127.0.0.1:{port}',"
        + f" api_base_url: '{wechat.base_url}'}}\n"
    )


async def until_serving(process: asyncio.subprocess.Process, push: WeChatCallbacks) -> None:
    """Until the message server passes WeChat's URL check (as 服务器配置's 提交 does)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            if await push.verify_url("ready") == (200, "ready"):
                return
        except aiohttp.ClientError:
            pass  # not listening yet
        assert process.returncode is None, f"legaldesk run exited with {process.returncode}"
        assert time.monotonic() < deadline, f"no message server within {START_TIMEOUT}s"
        await asyncio.sleep(0.05)


@asynccontextmanager
async def wechat_desk(
    wechat: FakeWeChat,
    database_url: str,
    folder: Path,
    name: str = "desk",
    *,
    safe_mode: bool = False,
    port: int | None = None,
    retries: int = 3,
    extra_yaml: str = "",
) -> AsyncIterator[WeChatDesk]:
    """``python -m bot run`` with only WeChat configured (and ``extra_yaml`` in its config),
    until its message server answers; killed on exit if the test left it running. Nothing in
    its log may show a secret. The desk's ``push`` retries an unanswered POST *retries* times,
    as WeChat does (3)."""
    port = port or free_port()
    env = {
        "DATABASE_URL": database_url,
        "WECHAT_APP_SECRET": wechat.app_secret,
        "WECHAT_TOKEN": TOKEN,
    }
    if safe_mode:
        env["WECHAT_ENCODING_AES_KEY"] = AES_KEY
    url = f"http://127.0.0.1:{port}/wechat"
    secrets = (wechat.app_secret, TOKEN, AES_KEY)
    config = wechat_config(wechat, port) + extra_yaml
    async with legaldesk_run(folder, config, env, name=name, secrets=secrets) as process:
        key = AES_KEY if safe_mode else None
        async with wechat.callbacks(url, TOKEN, key, retries=retries) as push:
            await until_serving(process, push)
            yield WeChatDesk(process, push, url, folder / f"{name}.log")
