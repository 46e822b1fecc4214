"""The web console in real headless Chromium at phone width, with the real bot running against
the fake Bot API: an adviser signs in from a /console link, claims, answers (the resident gets
it in Telegram) and closes; the office opens 报表, sees the charts and downloads the report."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from bot.adapters import exports
from bot.adapters.tg.application import build_application
from bot.adapters.tg.intake import IntakePolicy
from bot.adapters.tg.serving import running
from bot.adapters.web import build_web_app
from bot.app import Knowledge, Services, build_services
from bot.config import load_settings
from bot.core.clock import ManualClock
from tests.conftest import STAFF_YAML
from tests.e2e.browser import Phone, phone_browser
from tests.fakebotapi import FakeBotApi, FakeUser

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

QUESTION = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"
VOICE = b"OggS" + bytes(200)
LINK_PREFIX = "/signin/"


@dataclass
class WebDesk:
    api: FakeBotApi
    services: Services
    base_url: str
    li: FakeUser
    office: FakeUser


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where screenshots go: $LEGALDESK_SCREENSHOTS (the README's are made so), else tmp."""
    return Path(os.environ.get("LEGALDESK_SCREENSHOTS") or tmp_path / "screenshots")


@pytest.fixture
async def web_desk(
    fake_tg: FakeBotApi,
    database_url: str,
    tmp_path: Path,
    knowledge: Knowledge,
    clock: ManualClock,
    intake_policy: IntakePolicy,
) -> AsyncIterator[WebDesk]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    config = tmp_path / "legaldesk.yaml"
    config.write_text(
        STAFF_YAML + f"web: {{base_url: '{base_url}', secure_cookies: false}}\n", encoding="utf-8"
    )
    env = {
        "DATABASE_URL": database_url,
        "TELEGRAM_BOT_TOKEN": fake_tg.token,
        "TELEGRAM_API_BASE_URL": fake_tg.base_url,
    }
    settings = load_settings(config, env, cwd=tmp_path)
    services = build_services(settings, knowledge, clock)
    app = build_application(services, intake_policy)
    staff = {
        m.telegram_id: fake_tg.new_user(first_name=m.name, user_id=m.telegram_id)
        for m in settings.roster.members
    }
    runner = web.AppRunner(build_web_app(services), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    try:
        async with running(app, services, intake_policy):
            yield WebDesk(fake_tg, services, base_url, staff[9001], staff[9100])
    finally:
        await runner.cleanup()
        await services.close()


@pytest.fixture
def phone(web_desk: WebDesk) -> Iterator[Phone]:
    driver = phone_browser()
    try:
        yield Phone(driver, web_desk.base_url)
    finally:
        driver.quit()


async def _link(desk: WebDesk, member: FakeUser) -> str:
    """Ask the bot for a sign-in link, as staff do: /console in Telegram."""
    await desk.api.send_text(member, "/console")
    message = await desk.api.wait_for_message(member, contains=LINK_PREFIX)
    [url] = [w for w in message.visible_text.split() if LINK_PREFIX in w]
    return url[url.index("http") :]


async def test_an_adviser_works_a_case_from_a_phone(
    web_desk: WebDesk, phone: Phone, screenshots: Path
) -> None:
    desk, step = web_desk, asyncio.to_thread
    granny = desk.api.new_user("王大妈")
    await desk.api.send_text(granny, QUESTION)
    notice = await desk.api.wait_for_message(desk.li, contains="新问题")
    case_url = f"{desk.base_url}/cases/1"
    assert case_url in notice.visible_text  # the notification links to the case page

    await step(phone.open, case_url)  # not signed in yet: sent to the sign-in page
    assert (await step(phone.path)).startswith("/signin")

    await step(phone.open, await _link(desk, desk.li))
    await step(phone.click, "#signin")
    queue = await step(phone.wait_for_text, "#queue", "#1")
    assert "已等待" in queue and "还没有人认领" in queue and "退役安置" in queue
    assert await step(phone.viewport_width) == 360
    assert not await step(phone.overflows_horizontally)
    await step(phone.screenshot, screenshots / "console-queue.png")

    # A new question while the queue is open: the page fetches its rows again by itself (the
    # same request its 20-second timer makes; here triggered by the page regaining focus).
    grandpa = desk.api.new_user("赵大爷")
    await desk.api.send_text(grandpa, QUESTION)
    await desk.api.wait_for_message(desk.li, contains="#2")
    await step(phone.driver.execute_script, "window.dispatchEvent(new Event('focus'))")
    assert "赵大爷" not in await step(phone.text, "#queue")  # names stay on the case page
    assert "还没有人认领" in await step(phone.wait_for_text, "#queue", "#2")

    await step(phone.click, "li[data-case='1'] a")
    await step(phone.click, "#claim")
    assert "已认领" in await step(phone.wait_for_text, "#notice", "已认领")
    assert await step(phone.text, "#holder") == "李律师"
    await step(phone.find("#answer-text").send_keys, "请带上退伍证到团退役军人服务站问发放进度。")
    await step(phone.screenshot, screenshots / "console-case.png")
    await step(phone.click, "#answer")
    await step(phone.wait_for_text, "#notice", "答复已发给居民")
    answer = await desk.api.wait_for_message(granny, contains="法律顾问回复（#1）")
    assert "团退役军人服务站" in answer.visible_text
    assert not await step(phone.overflows_horizontally)

    await step(phone.click, "#close")
    await step(phone.wait_for_text, "#status", "已结束")
    await desk.api.wait_for_message(granny, contains="处理完毕")


def _png(width: int, height: int) -> bytes:
    """A real (grey) PNG image, so that the browser has something to decode and draw."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


async def test_an_adviser_sees_a_photo_hears_a_voice_and_answers_with_a_file(
    web_desk: WebDesk, phone: Phone, screenshots: Path, tmp_path: Path
) -> None:
    desk, step = web_desk, asyncio.to_thread
    granny = desk.api.new_user("王大妈")
    await desk.api.send_photo(granny, _png(200, 120), caption="村委会贴的通知，看不懂")
    await desk.api.wait_for_message(granny, contains="已转给法律顾问")
    await desk.api.send_voice(granny, VOICE)
    await desk.api.wait_for_message(granny, contains="已补充到您的问题")

    await step(phone.open, await _link(desk, desk.li))
    await step(phone.click, "#signin")
    await step(phone.find, "#queue")
    await step(phone.open, "/cases/1")
    image = await step(phone.find, "ol.thread img")
    await step(
        phone.driver.execute_script,
        "arguments[0].scrollIntoView(); arguments[0].loading = 'eager';",
        image,
    )
    width = await step(
        phone.driver.execute_async_script,
        "const [img, done] = arguments;"
        "img.decode().then(() => done(img.naturalWidth)).catch(e => done(String(e)));",
        image,
    )
    assert width == 200  # the photo was fetched through the console and decoded
    audio = await step(phone.find, "ol.thread audio[controls]")
    source = await step(audio.get_attribute, "src")
    assert source == f"{desk.base_url}/cases/1/media/2"
    assert await step(lambda: audio.size["height"]) > 0  # its player is shown
    status, content_type, body = await step(phone.fetch_bytes, "/cases/1/media/2")
    assert status == 200 and content_type == "audio/ogg" and bytes(body) == VOICE
    page = await step(lambda: phone.driver.page_source)
    assert desk.api.token not in page and "/file/bot" not in page
    assert not await step(phone.overflows_horizontally)
    await step(phone.driver.execute_script, "document.querySelector('ol.thread').scrollIntoView()")
    await step(phone.screenshot, screenshots / "console-media.png")

    letter = tmp_path / "调解协议.pdf"
    letter.write_bytes(b"%PDF-1.4 mediation agreement")
    await step(phone.find("#answer-text").send_keys, "调解协议在附件里，请看一下。")
    await step(phone.find("#answer-file").send_keys, str(letter))
    await step(phone.click, "#answer")
    await step(phone.wait_for_text, "#notice", "答复已发给居民")
    answer = await desk.api.wait_for_message(granny, contains="法律顾问回复（#1）")
    assert "调解协议在附件里" in answer.visible_text
    document = await desk.api.wait_for_message(granny, lambda m: m.method == "sendDocument")
    assert document.file is not None and document.file.filename == "调解协议.pdf"
    assert document.file.content == letter.read_bytes()


async def test_the_office_reads_the_report_with_charts_and_downloads_it(
    web_desk: WebDesk, phone: Phone, screenshots: Path
) -> None:
    desk, step = web_desk, asyncio.to_thread
    for name in ("王大妈", "赵大爷"):
        resident = desk.api.new_user(name)
        await desk.api.send_text(resident, QUESTION)
        await desk.api.wait_for_message(resident, contains="#")

    await step(phone.open, await _link(desk, desk.office))
    await step(phone.click, "#signin")
    await step(phone.find, "#queue")
    await step(phone.open, "/report?period=2026-11")
    await step(phone.wait_for_text, "#period", "2026年11月")
    charts = await step(phone.driver.find_elements, "css selector", "svg.chart")
    assert len(charts) == 3
    bars = await step(phone.driver.find_elements, "css selector", "#chart-day rect.bar")
    assert len(bars) == 30  # one per day of November
    figures = await step(phone.text, "#figures")
    assert "居民提问（次） 2" in figures and "转法律顾问（件） 2" in figures
    assert not await step(phone.overflows_horizontally)
    await step(phone.screenshot, screenshots / "console-report.png")
    await step(phone.screenshot, screenshots / "console-chart.png", "#chart-flow")

    status, content_type, body = await step(
        phone.fetch_bytes, "/report/download/csv?period=2026-11"
    )
    report = await desk.services.reports.build(desk.services.reports.period("2026-11"))
    assert status == 200 and content_type.startswith("text/csv")
    assert bytes(body) == exports.to_csv(report)
    status, _, body = await step(phone.fetch_bytes, "/report/download/xlsx?period=2026-11")
    assert status == 200 and bytes(body[:2]) == b"PK"
