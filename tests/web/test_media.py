"""Residents' voice, photos and documents on the case page: fetched by the server through the
real Telegram adapter from the fake Bot API, served by the console itself, to staff only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import FormData
from sqlalchemy import func, select
from telegram import Bot

from bot.adapters.tg.files import TelegramFiles
from bot.adapters.tg.transport import TelegramTransport
from bot.core.ports import Person
from bot.storage.models import OutboxRow
from tests.fakebotapi import FakeBotApi
from tests.integration.test_resident_desk import GRANNY
from tests.integration.test_staff_desk import UNKNOWN_QUESTION
from tests.web.conftest import LI, OFFICE, Console

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
    console.services.attach_transport(TelegramTransport(bot))
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
    await console.services.desk.ask(GRANDPA, UNKNOWN_QUESTION)  # case 2: text, no file
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


async def _answer(
    console: Console,
    case_id: int,
    text: str,
    file: tuple[str, bytes, str] | None,
    csrf: bool = True,
) -> tuple[int, str]:
    """The case page's 回复 form, sent as the browser sends it (multipart, with its CSRF token)."""
    form = FormData(quote_fields=False)  # as browsers send names: UTF-8, not %-encoded
    if csrf:
        form.add_field("csrf", await console.csrf(f"/cases/{case_id}"))
    form.add_field("text", text)
    if file is not None:
        name, content, content_type = file
        form.add_field("file", content, filename=name, content_type=content_type)
    response = await console.client.post(f"/cases/{case_id}/answer", data=form)
    return response.status, await response.text()


async def _outbox(console: Console) -> list[OutboxRow]:
    async with console.services.sessions() as session:
        return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


async def test_an_answer_with_a_document_reaches_the_resident_even_after_a_failure(
    media_console: Console, fake_tg: FakeBotApi
) -> None:
    console = media_console
    await _resident_sends(console, fake_tg, "photo", JPEG)
    await console.sign_in(LI)
    page = await (await console.client.get("/cases/1")).text()
    assert 'enctype="multipart/form-data"' in page and 'type="file" name="file"' in page
    fake_tg.fail_next("sendDocument", status=500)  # the first try fails: stored, tried again
    status, text = await _answer(
        console, 1, "调解书附后，请查收。", ("调解书.pdf", PDF, "application/pdf")
    )
    assert status == 200 and "答复已发给居民" in text
    [pending] = [row for row in await _outbox(console) if row.purpose == "adviser_answer"]
    assert pending.status == "pending" and pending.media_content == PDF

    console.clock.advance(minutes=5)
    await console.services.courier.flush()
    [document] = [m for m in fake_tg.messages_to(GRANNY.chat_id) if m.method == "sendDocument"]
    assert document.file is not None
    assert document.file.content == PDF and document.file.filename == "调解书.pdf"
    answer = fake_tg.messages_to(GRANNY.chat_id)[-2]
    assert "调解书附后，请查收。" in answer.visible_text
    assert document.reply_to_message_id == answer.message_id
    [sent] = [row for row in await _outbox(console) if row.purpose == "adviser_answer"]
    assert sent.status == "sent" and sent.media_content is None  # not kept once delivered


async def test_a_photo_alone_is_sent_as_a_photo(
    media_console: Console, fake_tg: FakeBotApi
) -> None:
    console = media_console
    await _resident_sends(console, fake_tg, "voice", VOICE)
    await console.sign_in(LI)
    status, text = await _answer(console, 1, "", ("现场.jpg", JPEG, "image/jpeg"))
    assert status == 200 and "答复已发给居民" in text
    to_granny = fake_tg.messages_to(GRANNY.chat_id)
    assert to_granny[-1].method == "sendPhoto" and to_granny[-1].file is not None
    assert to_granny[-1].file.content == JPEG
    assert "（见附件）" in to_granny[-2].visible_text


async def test_uploads_are_capped_need_content_and_carry_the_csrf_token(
    media_console: Console, fake_tg: FakeBotApi
) -> None:
    console = media_console
    await _resident_sends(console, fake_tg, "voice", VOICE)
    await console.sign_in(LI)
    before = len(await _outbox(console))
    big = ("大文件.pdf", b"%PDF" + b"x" * (10 * 1024 * 1024 + 1), "application/pdf")
    status, text = await _answer(console, 1, "附件", big)
    assert status == 413 and "最多上传 10 MB" in text
    bigger = (big[0], big[1] + b"x" * 200 * 1024, big[2])  # over the request's own limit
    status, text = await _answer(console, 1, "附件", bigger)
    assert status == 413 and "最多上传 10 MB" in text
    status, text = await _answer(console, 1, "  ", None)
    assert status == 400 and "请写回复内容，或选一个文件" in text
    status, _ = await _answer(console, 1, "附件", ("a.pdf", PDF, "application/pdf"), csrf=False)
    assert status == 403
    assert len(await _outbox(console)) == before  # nothing stored, nothing sent
    assert not [m for m in fake_tg.messages_to(GRANNY.chat_id) if m.method == "sendDocument"]
    async with console.services.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxRow)) == before
