"""``legaldesk wechat menu`` (the real command) creates the account's custom menu on the fake
WeChat server; without the channel configured it explains how to configure it."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.conftest import REPO
from tests.fakewechat import FakeWeChat
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture


async def _legaldesk(env: dict[str, str], *argv: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *argv,
        cwd=REPO,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return int(process.returncode or 0), out.decode("utf-8")


async def test_wechat_menu_creates_the_custom_menu(
    fake_wechat: FakeWeChat,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = tmp_path / "legaldesk.yaml"
    config.write_text(
        f"wechat: {{app_id: {fake_wechat.app_id}, listen: '127.0.0.1:1',"
        f" api_base_url: '{fake_wechat.base_url}'}}\n",
        encoding="utf-8",
    )
    env = {
        "LEGALDESK_CONFIG": str(config),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'desk.sqlite3'}",
        "WECHAT_APP_SECRET": fake_wechat.app_secret,
        "WECHAT_TOKEN": "menu-test-token",
    }
    code, out = await _legaldesk(env, "migrate")
    assert code == 0, out
    code, out = await _legaldesk(env, "wechat", "menu")
    assert code == 0, out
    assert fake_wechat.app_secret not in out
    menu = fake_wechat.menu
    assert menu is not None
    names = [b["name"] for b in menu]
    assert names == ["常见问题", "找法律顾问", "更多"]
    subs = [s["key"] for s in menu[2]["sub_button"]]  # type: ignore[index]
    assert subs == ["law", "privacy"]


async def test_wechat_menu_without_the_channel_explains_what_to_set(tmp_path: Path) -> None:
    config = tmp_path / "legaldesk.yaml"
    config.write_text("timezone: Asia/Shanghai\n", encoding="utf-8")
    code, out = await _legaldesk({"LEGALDESK_CONFIG": str(config)}, "wechat", "menu")
    assert code == 2
    assert "wechat.app_id" in out and "WECHAT_APP_SECRET" in out
