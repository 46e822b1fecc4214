"""A WeChat resident's voice, photo and file reach the Telegram advisers: the MediaId is fetched
from the fake WeChat server's media/get (real HTTP, the shared access token) and uploaded to the
fake Bot API by the real Telegram transport; a file WeChat no longer has still leaves the case
and the notice, saying so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.adapters.tg.files import TelegramFiles
from bot.adapters.tg.transport import TelegramTransport
from bot.adapters.wechat.files import WeChatFiles
from bot.adapters.wechat.transport import WeChatTransport
from bot.app import Services
from bot.core.files import FileUnavailable
from bot.core.messages import WECHAT
from bot.core.ports import Address, Media, Person
from bot.storage.models import OutboxRow
from tests.fakebotapi import FakeBotApi
from tests.fakebotapi.pytest_plugin import fake_tg  # noqa: F401 - the fixture
from tests.fakes import wechat_api
from tests.fakewechat import FakeWeChat
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture

LI, ZHANG = 9001, 9002  # on duty on Wednesday morning
JPEG = b"\xff\xd8\xff\xe0" + b"wechat-photo" * 40
AMR = b"#!AMR\n" + b"wechat-voice" * 40
PDF = b"%PDF-1.4 " + b"wechat-file" * 40


@dataclass
class Wired:
    services: Services
    wechat: FakeWeChat
    tg: FakeBotApi
    files: WeChatFiles

    def resident(self) -> Person:
        openid = self.wechat.new_openid()
        self.wechat.set_subscribed(openid, True)
        self.wechat.record_inbound(openid)
        chat = Address(WECHAT, openid)
        return Person(chat, chat, "")


@pytest.fixture
async def wired(
    services: Services,
    fake_wechat: FakeWeChat,  # noqa: F811
    fake_tg: FakeBotApi,  # noqa: F811
) -> AsyncIterator[Wired]:
    api = wechat_api(services, fake_wechat)
    bot = Bot(fake_tg.token, base_url=fake_tg.base_url, base_file_url=fake_tg.base_file_url)
    await bot.initialize()
    files = WeChatFiles(api)
    services.attach_files(TelegramFiles(bot))
    services.attach_files(files, WECHAT)
    services.attach_transport(TelegramTransport(bot, services.file_sources))
    services.attach_transport(WeChatTransport(api, services.file_sources), WECHAT)
    for user_id, name in ((LI, "李律师"), (ZHANG, "张律师")):
        fake_tg.new_user(name, user_id=user_id)
    try:
        yield Wired(services, fake_wechat, fake_tg, files)
    finally:
        await bot.shutdown()


async def _sends(wired: Wired, person: Person, kind: str, media_id: str, **kw: str) -> None:
    """The desk handles the resident's file as the WeChat intake hands it over, then delivers."""
    batch = await wired.services.desk.media(person, kind, media_id, kw.pop("caption", ""), **kw)
    await wired.services.courier.deliver(batch)


async def test_photo_voice_and_file_reach_every_adviser_on_duty_as_uploads(wired: Wired) -> None:
    wechat, tg = wired.wechat, wired.tg
    person = wired.resident()
    await _sends(wired, person, "photo", wechat.add_media(JPEG, "image"))
    await _sends(wired, person, "voice", wechat.add_media(AMR, "voice"), filename="voice.amr")
    pdf = wechat.add_media(PDF, "file", extension="pdf")
    await _sends(wired, person, "document", pdf, caption="合同.pdf", filename="合同.pdf")

    for adviser in (LI, ZHANG):
        files = [m for m in tg.messages_to(adviser) if m.method != "sendMessage"]
        assert [m.method for m in files] == ["sendPhoto", "sendDocument", "sendDocument"]
        photo, voice, document = (m.file for m in files)
        assert photo is not None and photo.content == JPEG
        # Telegram plays only OGG/MP3/M4A as voice: WeChat's AMR comes as a file to open.
        assert voice is not None and voice.content == AMR and voice.filename.endswith(".amr")
        assert document is not None and document.content == PDF
        assert document.filename == "合同.pdf"
    notices = [m.visible_text for m in tg.messages_to(LI) if m.method == "sendMessage"]
    assert "#1" in notices[0] and all("没能转过来" not in text for text in notices)

    thread = await wired.services.staff.thread(LI, 1)
    assert [(m.media_kind, m.file_channel) for m in thread.messages] == [
        ("photo", WECHAT),
        ("voice", WECHAT),
        ("document", WECHAT),
    ]
    [handed_off, *_] = wechat.messages_to(person.chat_id.id)  # type: ignore[union-attr]
    assert "#1" in handed_off.visible_text


async def test_a_file_wechat_no_longer_has_still_opens_the_case_and_the_notice_says_so(
    wired: Wired,
) -> None:
    wechat, tg = wired.wechat, wired.tg
    person = wired.resident()
    media_id = wechat.add_media(JPEG, "image")
    wechat.advance(hours=73)  # temporary media live three days
    wechat.record_inbound(person.chat_id.id)  # type: ignore[union-attr]
    await _sends(wired, person, "photo", media_id)

    [notice] = tg.messages_to(LI)
    assert notice.method == "sendMessage" and "#1" in notice.visible_text
    assert "照片没能转过来（微信只保存 3 天，已经过期）" in notice.visible_text
    assert notice.keyboard  # the claim button is still there
    thread = await wired.services.staff.thread(LI, 1)
    assert thread.messages[0].file_id == media_id


async def test_media_get_replaces_a_refused_token_and_reports_each_failure(wired: Wired) -> None:
    wechat, files = wired.wechat, wired.files
    media_id = wechat.add_media(AMR, "voice")
    await wired.services.file_sources.fetch(WECHAT, media_id)  # a token is fetched and stored
    wechat.invalidate_tokens()
    fetched = await files.fetch(media_id, 1024 * 1024)
    assert fetched.content == AMR and fetched.name.endswith(".amr")
    assert len(wechat.token_requests) == 2

    failures = {}
    with pytest.raises(FileUnavailable) as too_big:
        await files.fetch(media_id, 100)
    failures["too_big"] = too_big.value.reason
    with pytest.raises(FileUnavailable) as unknown:
        await files.fetch("NO-SUCH-MEDIA", 1024 * 1024)
    failures["expired"] = unknown.value.reason
    wechat.http_error_next("media/get", 502)
    with pytest.raises(FileUnavailable) as down:
        await files.fetch(media_id, 1024 * 1024)
    failures["gone"] = down.value.reason
    assert failures == {"too_big": "too_big", "expired": "expired", "gone": "gone"}
    assert (await files.fetch(media_id, 1024 * 1024)).content == AMR  # back after the error


async def test_an_advisers_photo_reaches_the_wechat_resident_as_an_image(wired: Wired) -> None:
    """From the console (uploaded bytes) or from Telegram (a Telegram file id, fetched through
    the Telegram file source): uploaded by media/upload, sent as an image after the text. A
    document cannot go as a customer-service message: the text says to ask for it."""
    wechat, tg, staff, courier = (
        wired.wechat,
        wired.tg,
        wired.services.staff,
        wired.services.courier,
    )
    person = wired.resident()
    openid = person.chat_id.id  # type: ignore[union-attr]
    await _sends(wired, person, "photo", wechat.add_media(JPEG, "image"))
    console_photo = b"\x89PNG\r\n\x1a\n" + b"sketch" * 40
    await courier.deliver(
        await staff.answer(
            LI, 1, "请看示意图", Media("photo", filename="示意图.png", content=console_photo)
        )
    )
    sender = tg.new_user("李律师的手机", user_id=9003)
    telegram_photo = b"\xff\xd8\xff\xe0" + b"from-telegram" * 40
    file_id = (await tg.send_photo(sender, telegram_photo))["photo"][-1]["file_id"]
    await courier.deliver(await staff.answer(LI, 1, "", Media("photo", file_id=file_id)))
    wechat.record_inbound(openid)  # five sends per message of theirs: they wrote again
    await courier.deliver(
        await staff.answer(LI, 1, "合同范本", Media("document", filename="范本.pdf", content=PDF))
    )

    sent = wechat.messages_to(openid)[1:]  # after the 已转给法律顾问 reply
    assert [m.msgtype for m in sent] == ["text", "image", "text", "image", "text"]
    assert "示意图" in sent[0].visible_text and "附件" not in sent[0].visible_text
    assert wechat.media[sent[1].media_id].content == console_photo
    assert wechat.media[sent[3].media_id].content == telegram_photo
    assert "合同范本" in sent[4].visible_text and "附件请联系法律顾问获取" in sent[4].visible_text


async def test_forgetting_a_wechat_resident_drops_their_files_ids_and_names(wired: Wired) -> None:
    person = wired.resident()
    pdf = wired.wechat.add_media(PDF, "file", extension="pdf")
    await _sends(
        wired, person, "document", pdf, caption="张三离婚协议.pdf", filename="张三离婚协议.pdf"
    )
    await wired.services.privacy.forget(person)

    async with wired.services.uow() as uow:
        [message] = await uow.cases.messages(1)
    assert (message.file_id, message.file_name) == (None, None)
    async with wired.services.engine.connect() as conn:
        names = (await conn.execute(select(OutboxRow.media_filename, OutboxRow.text))).all()
    assert names and all("张三" not in f"{name} {text}" for name, text in names)
