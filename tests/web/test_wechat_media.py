"""A WeChat resident's photo and voice on the case page: the server fetches them from the fake
WeChat server's media/get (the channel of each file), never showing the access token; a file
WeChat no longer keeps (three days) gets a clear Chinese message, and the case stays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.wechat.files import WeChatFiles
from bot.core.messages import WECHAT
from bot.core.ports import Address, Person
from tests.fakes import wechat_api
from tests.fakewechat import FakeWeChat
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture
from tests.web.conftest import LI, Console

JPEG = b"\xff\xd8\xff\xe0" + b"wechat-photo" * 40
AMR = b"#!AMR\n" + b"wechat-voice" * 40
EXPIRED = "微信只保存 3 天，这个文件已经过期"


@pytest.fixture
async def wechat_console(
    console: Console,
    fake_wechat: FakeWeChat,  # noqa: F811
) -> AsyncIterator[Console]:
    """The console with WeChat's file API (the fake server's media/get) attached."""
    services = console.services
    services.attach_files(WeChatFiles(wechat_api(services, fake_wechat)), WECHAT)
    yield console


async def _photo_and_voice(console: Console, wechat: FakeWeChat) -> None:
    """A WeChat resident sends a photo, then a voice message (as the WeChat intake hands them)."""
    chat = Address(WECHAT, wechat.new_openid())
    person = Person(chat, chat, "")
    desk = console.services.desk
    await desk.media(person, "photo", wechat.add_media(JPEG, "image"), "")
    await desk.media(person, "voice", wechat.add_media(AMR, "voice"), "", filename="voice.amr")


async def test_the_case_page_shows_the_photo_and_offers_the_voice_from_wechat(
    wechat_console: Console,
    fake_wechat: FakeWeChat,  # noqa: F811
) -> None:
    console = wechat_console
    await _photo_and_voice(console, fake_wechat)
    await console.sign_in(LI)
    page = await (await console.client.get("/cases/1")).text()
    assert '<img src="/cases/1/media/1"' in page
    # Browsers cannot play WeChat's AMR voice: it is a download, not a silent player.
    assert '<a class="download" href="/cases/1/media/2" download>下载语音</a>' in page
    assert "<audio" not in page

    photo = await console.client.get("/cases/1/media/1")
    assert photo.status == 200 and await photo.read() == JPEG
    assert photo.headers["Content-Type"] == "image/jpeg"
    assert photo.headers["Content-Disposition"] == 'inline; filename="case-1-1.jpg"'
    voice = await console.client.get("/cases/1/media/2")
    assert voice.status == 200 and await voice.read() == AMR
    assert voice.headers["Content-Disposition"] == 'attachment; filename="case-1-2.amr"'
    token = fake_wechat.current_token()
    assert token is not None and token.value not in page


async def test_an_expired_wechat_file_gets_a_clear_message_and_the_case_stays(
    wechat_console: Console,
    fake_wechat: FakeWeChat,  # noqa: F811
) -> None:
    console = wechat_console
    await _photo_and_voice(console, fake_wechat)
    await console.sign_in(LI)
    fake_wechat.advance(hours=72)  # WeChat has dropped them; the desk's clock has not moved yet
    response = await console.client.get("/cases/1/media/1")
    assert response.status == 502 and EXPIRED in await response.text()

    console.clock.advance(hours=72)  # now the page knows without asking WeChat
    await console.sign_in(LI)  # (the console session itself has expired meanwhile)
    response = await console.client.get("/cases/1")
    page = await response.text()
    assert response.status == 200 and "问题 #1" in page
    assert page.count(EXPIRED) == 2 and "/cases/1/media/" not in page
