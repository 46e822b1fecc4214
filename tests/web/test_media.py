"""Residents' voice, photos and documents on the case page: fetched by the server through the
real Telegram adapter from the fake Bot API, served by the console itself, to staff only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.adapters.tg.files import TelegramFiles
from bot.core.ports import Person
from tests.fakebotapi import FakeBotApi
from tests.integration.test_resident_desk import GRANNY
from tests.integration.test_staff_desk import open_case
from tests.web.conftest import LI, OFFICE, Console

pytest_plugins = ["tests.fakebotapi.pytest_plugin"]

JPEG = b"\xff\xd8\xff\xe0" + b"photo-bytes" * 50
VOICE = b"OggS" + b"voice-bytes" * 50
PDF = b"%PDF-1.4 " + b"document" * 50
GRANDPA = Person(502, 502, "赵大爷")


@pytest.fixture
async def media_console(console: Console, fake_tg: FakeBotApi) -> AsyncIterator[Console]:
    """The console with the Telegram file API of the fake Bot API attached."""
    bot = Bot(fake_tg.token, base_url=fake_tg.base_url, base_file_url=fake_tg.base_file_url)
    await bot.initialize()
    console.services.attach_files(TelegramFiles(bot))
    try:
        yield console
    finally:
        await bot.shutdown()


async def _resident_sends(
    console: Console, api: FakeBotApi, kind: str, content: bytes, person: Person = GRANNY
) -> None:
    """A resident's file as the bot receives it: stored by the fake, handed to the desk."""
    user = api.new_user(person.display_name, user_id=person.user_id)
    if kind == "photo":
        file_id = (await api.send_photo(user, content))["photo"][-1]["file_id"]
    elif kind == "voice":
        file_id = (await api.send_voice(user, content))["voice"]["file_id"]
    else:
        file_id = (await api.send_document(user, content, filename="合同.pdf"))["document"]
        file_id = file_id["file_id"]
    await console.services.desk.media(person, kind, file_id, "")


async def test_staff_hear_voice_see_photos_and_download_documents(
    media_console: Console, fake_tg: FakeBotApi
) -> None:
    console = media_console
    for kind, content in (("voice", VOICE), ("photo", JPEG), ("document", PDF)):
        await _resident_sends(console, fake_tg, kind, content)
    await console.sign_in(LI)
    response = await console.client.get("/cases/1")
    page = await response.text()
    assert '<audio class="media" controls preload="none" src="/cases/1/media/1">' in page
    assert '<img src="/cases/1/media/2"' in page
    assert '<a class="download" href="/cases/1/media/3" download>' in page
    seen = [page, *(f"{k}: {v}" for k, v in response.headers.items())]

    expected = {
        1: (VOICE, "audio/ogg", 'inline; filename="case-1-1.oga"'),
        2: (JPEG, "image/jpeg", 'inline; filename="case-1-2.jpg"'),
        3: (PDF, "application/pdf", 'attachment; filename="case-1-3.pdf"'),
    }
    for number, (content, content_type, disposition) in expected.items():
        response = await console.client.get(f"/cases/1/media/{number}")
        assert response.status == 200
        assert await response.read() == content
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Content-Disposition"] == disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        seen += [f"{k}: {v}" for k, v in response.headers.items()]
    token_parts = (fake_tg.token, fake_tg.token.split(":")[1], "/file/bot")
    assert not [s for s in seen for part in token_parts if part in s]
    assert len(fake_tg.downloads) == 3  # the server fetched each file from Telegram


async def test_office_staff_see_files_too(media_console: Console, fake_tg: FakeBotApi) -> None:
    await _resident_sends(media_console, fake_tg, "photo", JPEG)
    await media_console.sign_in(OFFICE)
    response = await media_console.client.get("/cases/1/media/1")
    assert response.status == 200 and await response.read() == JPEG


async def test_a_stranger_gets_nothing_from_a_media_route(
    media_console: Console, fake_tg: FakeBotApi
) -> None:
    await _resident_sends(media_console, fake_tg, "photo", JPEG)
    response = await media_console.client.get("/cases/1/media/1", allow_redirects=False)
    assert response.status == 302 and response.headers["Location"].startswith("/signin")
    assert JPEG not in await response.read()
    assert fake_tg.downloads == []  # nothing was even fetched


@pytest.mark.parametrize("path", ["/cases/2/media/1", "/cases/1/media/2", "/cases/9/media/1"])
async def test_a_wrong_case_or_file_number_is_404_never_another_cases_file(
    media_console: Console, fake_tg: FakeBotApi, path: str
) -> None:
    console = media_console
    await _resident_sends(console, fake_tg, "photo", JPEG)  # case 1: message 1 is the photo
    await open_case(console.services, GRANDPA)  # case 2: a text question, no file
    await console.sign_in(LI)
    response = await console.client.get(path)
    body = await response.read()
    assert response.status == 404 and JPEG not in body
    assert "没有" in body.decode()
    assert fake_tg.downloads == []


async def test_a_file_telegram_cannot_give_gets_a_polite_page(
    media_console: Console, fake_tg: FakeBotApi
) -> None:
    console = media_console
    await _resident_sends(console, fake_tg, "voice", VOICE)
    await _resident_sends(console, fake_tg, "document", b"x" * (20 * 1024 * 1024 + 1))
    await console.sign_in(LI)
    fake_tg.fail_next("getFile", status=400, description="Bad Request: invalid file_id")
    response = await console.client.get("/cases/1/media/1")
    text = await response.text()
    assert response.status == 502 and "暂时取不到这个文件" in text
    response = await console.client.get("/cases/1/media/2")
    text = await response.text()
    assert response.status == 502 and "超过 20 MB" in text
    assert fake_tg.token not in text
