"""WeChat residents' photos, voice and files reach the Telegram adviser end to end: the real
``legaldesk run`` process fetches each MediaId from the fake WeChat server's media/get and
uploads the bytes to the fake Bot API; a MediaId WeChat no longer has still opens the case."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.test_wechat_run import Running, running  # noqa: F401 - the fixture
from tests.fakebotapi import BotMessage
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("running", ["safe"], indirect=True)]

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"township-photo" * 60 + b"\xff\xd9"
AMR = b"#!AMR\n" + b"township-voice" * 60
PDF = b"%PDF-1.4 " + b"township-file" * 60


def _upload(method: str) -> Callable[[BotMessage], bool]:
    """A message the bot sent with ``method`` carrying an uploaded file."""
    return lambda m: m.method == method and m.file is not None


async def test_photo_voice_and_file_arrive_as_uploads_with_their_bytes(
    running: Running,  # noqa: F811
) -> None:
    openid = running.wechat.new_openid()
    tg, adviser = running.tg, running.adviser
    (await running.push.image(openid, JPEG)).assert_ok()
    await running.wechat.wait_for_message(openid, contains="#1", timeout=20)
    await tg.wait_for_message(adviser, contains="#1", timeout=20)
    photo = await tg.wait_for_message(adviser, _upload("sendPhoto"), timeout=20)
    assert photo.file is not None and photo.file.content == JPEG

    (await running.push.voice(openid, AMR)).assert_ok()  # no Recognition: the voice itself
    voice = await tg.wait_for_message(adviser, _upload("sendDocument"), timeout=20)
    assert voice.file is not None and voice.file.content == AMR
    assert voice.file.filename.endswith(".amr")

    (await running.push.file(openid, PDF, "租房合同.pdf")).assert_ok()
    document = await tg.wait_for_message(adviser, _upload("sendDocument"), timeout=20)
    assert document.file is not None and document.file.content == PDF
    assert document.file.filename == "租房合同.pdf"
    texts = [m.visible_text for m in tg.messages_to(adviser)]
    assert not any("没能转过来" in text for text in texts)


async def test_an_expired_media_id_still_opens_the_case_and_the_adviser_can_answer(
    running: Running,  # noqa: F811
) -> None:
    openid = running.wechat.new_openid()
    tg, adviser = running.tg, running.adviser
    gone = {"PicUrl": "http://mmbiz.qpic.cn/mmbiz_jpg/x/0", "MediaId": "MEDIA-OLDER-THAN-3-DAYS"}
    (await running.push.send(openid, "image", gone)).assert_ok()
    await running.wechat.wait_for_message(openid, contains="#1", timeout=20)
    notice = await tg.wait_for_message(adviser, contains="#1", timeout=20)
    assert "照片没能转过来（微信只保存 3 天，已经过期）" in notice.visible_text
    assert not [m for m in tg.messages_to(adviser) if m.file is not None]
    await tg.send_text(adviser, "/answer 1 照片已过期，请您重新拍一张发过来。")
    await running.wechat.wait_for_message(openid, contains="重新拍一张", timeout=20)
