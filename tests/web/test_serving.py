"""`legaldesk run` serves the console on web.listen; the settings and the password command."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web import build_web_app, start_web
from bot.app import Knowledge, build_services
from bot.cli import main
from bot.config import ConfigError, Settings, load_settings
from bot.config.settings import WebSettings
from bot.core.clock import ManualClock
from bot.logs import RedactTokens


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_console_listens_where_configured(
    settings: Settings, knowledge: Knowledge, clock: ManualClock
) -> None:
    port = _free_port()
    configured = replace(settings, web=WebSettings(f"127.0.0.1:{port}", None))
    services = build_services(configured, knowledge, clock)
    runner = await start_web(services)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/queue", allow_redirects=False) as r:
                assert r.status == 302 and r.headers["Location"].startswith("/signin")
            async with http.get(f"http://127.0.0.1:{port}/signin") as r:
                assert r.status == 200 and "Secure" in r.headers["Set-Cookie"]
    finally:
        await runner.cleanup()
        await services.close()


def _settings(tmp_path: Path, web: str) -> Settings:
    config = tmp_path / "legaldesk.yaml"
    config.write_text(f"web: {web}\n", encoding="utf-8")
    return load_settings(config, {}, cwd=tmp_path)


def test_web_settings_default_to_off_and_secure(tmp_path: Path) -> None:
    web = _settings(tmp_path, "{listen: '0.0.0.0:8080'}").web
    assert web.host_port == ("0.0.0.0", 8080) and web.secure_cookies and web.base_url is None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert load_settings(None, {}, cwd=elsewhere).web.listen is None


@pytest.mark.parametrize(
    ("web", "key"),
    [
        ("{listen: 8080}", "web.listen"),
        ("{listen: 'localhost'}", "web.listen"),
        ("{base_url: 'desk.example.cn'}", "web.base_url"),
        ("{secure_cookies: 'yes'}", "web.secure_cookies"),
        ("{listne: '127.0.0.1:80'}", "did you mean 'listen'"),
    ],
)
def test_bad_web_settings_name_the_key(tmp_path: Path, web: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        _settings(tmp_path, web)


async def test_set_password_from_the_command_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, knowledge: Knowledge, clock: ManualClock
) -> None:
    assert settings.config_path is not None
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setattr("bot.cli.configure_logging", lambda level: None)  # keep pytest's logging
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    code = await asyncio.to_thread(
        main, ["--config", str(settings.config_path), "staff", "set-password", "李律师"]
    )
    assert code == 0
    services = build_services(settings, knowledge, clock)
    try:
        _, session = await services.console.sign_in_password(
            "李律师", "a long enough password", "test"
        )
        assert session.member.telegram_id == 9001
    finally:
        await services.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    for name in ("李律师", "无名氏"):  # too short a password; nobody of that name
        command = ["--config", str(settings.config_path), "staff", "set-password", name]
        assert await asyncio.to_thread(main, command) == 2


def test_a_sign_in_link_never_reaches_the_log() -> None:
    record = logging.LogRecord(
        "aiohttp.access",
        logging.INFO,
        __file__,
        1,
        '"GET /signin/%s HTTP/1.1" 200',
        ("x" * 43,),
        None,
    )
    RedactTokens().filter(record)
    assert record.getMessage() == '"GET /signin/<token> HTTP/1.1" 200'


async def test_an_endpoint_mounted_beside_the_console_is_left_alone(
    settings: Settings, knowledge: Knowledge, clock: ManualClock
) -> None:
    """Room for the WeChat callback: a sub-app gets its POSTs without the console's CSRF."""
    services = build_services(settings, knowledge, clock)

    async def callback(request: web.Request) -> web.Response:
        return web.Response(text="success")

    other = web.Application()
    other.router.add_post("/callback", callback)
    app = build_web_app(services)
    app.add_subapp("/wechat/", other)
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        response = await client.post("/wechat/callback", data="<xml/>")
        assert response.status == 200 and await response.text() == "success"
        assert (await client.post("/signout", data={})).status == 403  # the console's own
    finally:
        await client.close()
        await services.close()
