"""The WeChat channel end to end: the real ``legaldesk run`` process serves Telegram (fake Bot
API) and a WeChat Official Account (fake WeChat server) at once; callbacks are signed (and in
safe mode encrypted) as WeChat sends them, replies arrive as customer-service messages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.process import free_port, legaldesk_run, stop
from tests.e2e.wechat_desk import wechat_config
from tests.fakebotapi import FakeBotApi, FakeUser
from tests.fakewechat import FakeWeChat, WeChatCallbacks
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

TOKEN = "legaldesk-e2e-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat shows
FAQ_QUESTION = "打官司要交多少诉讼费？输了谁出？"
UNKNOWN = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"


# The desk's behaviour behind the endpoint does not depend on how a push was encrypted: tests of
# what the desk does run in safe mode (the mode a township should choose) only; the endpoint's own
# tests run in plain and safe mode.
SAFE_MODE_ONLY = pytest.mark.parametrize("running", ["safe"], indirect=True)


@dataclass
class Running:
    push: WeChatCallbacks
    wechat: FakeWeChat
    tg: FakeBotApi
    adviser: FakeUser
    url: str


@pytest.fixture(params=["plain", "safe"])
async def running(
    request: pytest.FixtureRequest,
    fake_tg: FakeBotApi,
    fake_wechat: FakeWeChat,  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Running]:
    port = free_port()
    env = {
        "TELEGRAM_BOT_TOKEN": fake_tg.token,
        "TELEGRAM_API_BASE_URL": fake_tg.base_url,
        "DATABASE_URL": database_url,
        "WECHAT_APP_SECRET": fake_wechat.app_secret,
        "WECHAT_TOKEN": TOKEN,
    }
    safe = request.param == "safe"
    if safe:
        env["WECHAT_ENCODING_AES_KEY"] = AES_KEY
    adviser = fake_tg.new_user(first_name="李律师", user_id=9001)
    url = f"http://127.0.0.1:{port}/wechat"
    config = wechat_config(fake_wechat, port)  # its roster: 李律师 (Telegram 9001)
    secrets = (fake_wechat.app_secret, TOKEN, AES_KEY)
    async with legaldesk_run(tmp_path, config, env, secrets=secrets) as process:
        await fake_tg.wait_for_call("getUpdates", timeout=60)  # WeChat is up before this
        async with fake_wechat.callbacks(url, TOKEN, AES_KEY if safe else None) as push:
            yield Running(push, fake_wechat, fake_tg, adviser, url)
        assert await stop(process) == 0


async def test_url_verification_echoes_only_for_a_correct_signature(running: Running) -> None:
    assert await running.push.verify_url("echo-4242") == (200, "echo-4242")
    query = {**running.push.signed_query(), "signature": "0" * 40, "echostr": "x"}
    async with running.push._http().get(running.url, params=query) as response:
        assert response.status == 403


async def test_subscribe_gets_the_welcome_and_a_faq_question_its_answer(running: Running) -> None:
    openid = running.wechat.new_openid()
    (await running.push.subscribe(openid)).assert_ok()
    welcome = await running.wechat.wait_for_message(openid, timeout=20)
    assert "法律" in welcome.visible_text
    (await running.push.text(openid, FAQ_QUESTION)).assert_ok()
    answer = await running.wechat.wait_for_message(openid, contains="诉讼费", timeout=20)
    assert "依据" in answer.visible_text or "第" in answer.visible_text


@SAFE_MODE_ONLY
async def test_unknown_question_reaches_the_adviser_whose_answer_reaches_wechat(
    running: Running,
) -> None:
    openid = running.wechat.new_openid()
    (await running.push.text(openid, UNKNOWN)).assert_ok()
    received = await running.wechat.wait_for_message(openid, contains="#1", timeout=20)
    assert "法律顾问" in received.visible_text
    notice = await running.tg.wait_for_message(running.adviser, contains="#1", timeout=20)
    assert "退役安置" in notice.visible_text
    await running.tg.send_text(
        running.adviser, "/answer 1 先拍照留证，再找村委会调解，不行就起诉要求赔偿。"
    )
    answer = await running.wechat.wait_for_message(openid, contains="拍照留证", timeout=20)
    assert answer.openid == openid
    await running.tg.wait_for_message(running.adviser, contains="已送达", timeout=20)


async def test_a_retried_message_is_answered_once(running: Running) -> None:
    openid = running.wechat.new_openid()
    first = (await running.push.text(openid, FAQ_QUESTION)).assert_ok()
    await running.wechat.wait_for_message(openid, contains="诉讼费", timeout=20)
    (await running.push.resend(first)).assert_ok()
    (await running.push.resend(first)).assert_ok()
    (await running.push.text(openid, "谢谢")).assert_ok()  # the next message: its reply comes after
    await running.wechat.wait_for_message(openid, timeout=20)
    assert [m for m in running.wechat.messages_to(openid) if "诉讼费" in m.visible_text][1:] == []


@SAFE_MODE_ONLY
async def test_a_push_is_answered_at_once_while_the_customer_service_api_hangs(
    running: Running,
) -> None:
    """WeChat waits 5 s for the answer to a push, then retries it: the desk answers ``success``
    without waiting for its reply, which goes out through the customer-service API once that
    answers."""
    openid = running.wechat.new_openid()
    running.wechat.delay_next("message/custom/send", 4.0)
    (await running.push.text(openid, FAQ_QUESTION)).assert_ok()
    assert running.wechat.messages_to(openid) == []  # answered while the reply is still held
    answer = await running.wechat.wait_for_message(openid, contains="诉讼费", timeout=30)
    assert "依据" in answer.visible_text or "第" in answer.visible_text


async def test_a_bad_signature_is_refused_and_nothing_is_stored(running: Running) -> None:
    openid = running.wechat.new_openid()
    from tests.fakewechat import inbound

    message = inbound.message(openid, "text", {"Content": FAQ_QUESTION}, create_time=1)
    body, query = running.push.envelope(message)
    status, _ = await running.push.post_raw(body, {**query, "signature": "f" * 40})
    assert status == 403
    status, _ = await running.push.post_raw(b"<xml><oops", None)
    assert status in (400, 403)
    (await running.push.text(openid, "谢谢")).assert_ok()
    await running.wechat.wait_for_message(openid, timeout=20)
    assert all("诉讼费" not in m.visible_text for m in running.wechat.messages_to(openid))


@SAFE_MODE_ONLY
async def test_choices_come_as_a_msgmenu_and_a_tap_is_answered_a_forged_one_is_stale(
    running: Running,
) -> None:
    openid = running.wechat.new_openid()
    (await running.push.text(openid, "离婚后孩子抚养费怎么算")).assert_ok()
    menu = await running.wechat.wait_for_message(
        openid, lambda m: m.msgtype == "msgmenu", timeout=20
    )
    assert "不太确定" in menu.visible_text
    first = menu.items[0]
    (await running.push.tap(openid, menu, first.id)).assert_ok()
    answer = await running.wechat.wait_for_message(openid, contains=first.content[:6], timeout=20)
    assert answer.msgtype == "text"
    (await running.push.text(openid, "随便", bizmsgmenuid="pick:999999:forged")).assert_ok()
    await running.wechat.wait_for_message(openid, contains="过期", timeout=20)


async def test_voice_image_location_and_oversized_bodies_each_get_a_clear_outcome(
    running: Running,
) -> None:
    openid = running.wechat.new_openid()
    (await running.push.voice(openid, recognition=FAQ_QUESTION)).assert_ok()
    await running.wechat.wait_for_message(openid, contains="诉讼费", timeout=20)
    (await running.push.location(openid, 44.3, 86.0, "唐驿镇")).assert_ok()
    await running.wechat.wait_for_message(openid, contains="没看懂", timeout=20)
    (await running.push.voice(openid)).assert_ok()  # no recognition: a case for the adviser
    await running.wechat.wait_for_message(openid, contains="转给法律顾问", timeout=20)
    notice = await running.tg.wait_for_message(running.adviser, contains="#1", timeout=20)
    assert "语音" in notice.visible_text
    (await running.push.image(openid)).assert_ok()
    await running.wechat.wait_for_message(openid, contains="#1", timeout=20)
    status, _ = await running.push.post_raw(b"<xml>" + b"x" * 1_048_576 + b"</xml>")
    assert status == 413
    (await running.push.unsubscribe(openid)).assert_ok()


@SAFE_MODE_ONLY
async def test_an_answer_after_48_hours_is_held_and_delivered_on_the_next_message(
    running: Running,
) -> None:
    openid = running.wechat.new_openid()
    (await running.push.text(openid, UNKNOWN)).assert_ok()
    await running.wechat.wait_for_message(openid, contains="#1", timeout=20)
    await running.tg.wait_for_message(running.adviser, contains="#1", timeout=20)
    running.wechat.advance(hours=49)  # the window closes (and the access token expires)
    await running.tg.send_text(running.adviser, "/answer 1 请带退伍证去人社所申请补发。")
    await running.tg.wait_for_message(running.adviser, contains="48 小时", timeout=20)
    assert all("人社所" not in m.visible_text for m in running.wechat.messages_to(openid))
    (await running.push.text(openid, "还在吗")).assert_ok()
    await running.wechat.wait_for_message(openid, contains="48 小时", timeout=20)
    await running.wechat.wait_for_message(openid, contains="人社所", timeout=20)
    await running.tg.wait_for_message(running.adviser, contains="已送达", timeout=20)


async def test_long_emoji_only_and_replayed_messages_each_get_one_clear_reply(
    running: Running,
) -> None:
    openid = running.wechat.new_openid()
    wechat, push = running.wechat, running.push

    async def thanked() -> int:
        """After every earlier reply (one sender's messages are handled in order)."""
        (await push.text(openid, "谢谢")).assert_ok()
        await wechat.wait_for_message(openid, contains="不客气", timeout=20)
        return len(wechat.messages_to(openid))

    long = (await push.text(openid, "我想问一下关于土地承包的问题。" * 300)).assert_ok()
    after_long = await thanked()
    assert after_long >= 2  # the 4,500 characters got a reply, and 谢谢 its own
    (await push.resend(long)).assert_ok()  # the same MsgId, much later: answered "success"
    assert await thanked() == after_long + 1  # ... and nothing else
    (await push.text(openid, "🤔🤔")).assert_ok()  # emoji only: the adviser will ask
    await wechat.wait_for_message(openid, contains="#1", timeout=20)


@SAFE_MODE_ONLY
async def test_custom_menu_clicks_open_the_topics_the_law_lookup_and_privacy(
    running: Running,
) -> None:
    openid = running.wechat.new_openid()
    (await running.push.click(openid, "topics")).assert_ok()
    topics = await running.wechat.wait_for_message(openid, timeout=20)
    assert topics.msgtype == "msgmenu" and len(topics.items) >= 2
    (await running.push.click(openid, "law")).assert_ok()
    await running.wechat.wait_for_message(openid, contains="第", timeout=20)
    (await running.push.click(openid, "privacy")).assert_ok()
    await running.wechat.wait_for_message(openid, contains="隐私", timeout=20)
    (await running.push.click(openid, "forged:key")).assert_ok()
    await running.wechat.wait_for_message(openid, contains="过期", timeout=20)
