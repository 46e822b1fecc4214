"""WeChatCallbacks against a wechatpy reference message server over real HTTP: signatures,
safe and compatible mode, passive replies, the 5-second deadline and retries, events and
their effect on the fake's customer-service windows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import pytest_asyncio

from tests.fakewechat import FakeWeChat, WeChatCallbacks
from tests.fakewechat.wire import parse

from .refbot import ReferenceBot

pytestmark = pytest.mark.e2e

TOKEN = "legaldesk-callback-token"
AES_KEY = "Q0hBTkdFTUUtbGVnYWxkZXNrLWZha2V3ZWNoYXQtMDE"


def echo(message: object) -> str | None:
    content = getattr(message, "content", None)
    return None if content is None else f"收到：{content.split(' ')[0]}"


@pytest_asyncio.fixture(params=["plain", "safe", "compat"])
async def pair(
    request: pytest.FixtureRequest,
    fake_wechat: FakeWeChat,
) -> AsyncIterator[tuple[ReferenceBot, WeChatCallbacks]]:
    key = None if request.param == "plain" else AES_KEY
    async with ReferenceBot(TOKEN, fake_wechat.app_id, key, answer=echo) as bot:
        push = fake_wechat.callbacks(bot.url, TOKEN, key, compat=request.param == "compat")
        async with push:
            yield bot, push


async def test_text_push_and_passive_reply_in_every_mode(
    pair: tuple[ReferenceBot, WeChatCallbacks],
    fake_wechat: FakeWeChat,
) -> None:
    bot, push = pair
    openid = fake_wechat.new_openid()
    result = (await push.text(openid, "宅基地能继承吗 <&>]]>")).assert_ok()
    [seen] = bot.received
    assert seen.message.content == "宅基地能继承吗 <&>]]>"
    assert seen.message.source == openid
    assert seen.message.target == fake_wechat.account_id
    assert seen.message.id == result.message.msg_id
    assert abs(seen.message.create_time.timestamp() - time.time()) < 5
    assert seen.query["openid"] == openid
    assert ("encrypt_type" in seen.query) == (push.cipher is not None)
    assert result.reply_text == "收到：宅基地能继承吗"
    reply = await fake_wechat.wait_for_message(openid)
    assert (reply.via, reply.msgtype, reply.text) == ("reply", "text", result.reply_text)
    assert fake_wechat.followers[openid].last_inbound is not None


async def test_safe_mode_body_hides_the_content(fake_wechat: FakeWeChat) -> None:
    async with (
        ReferenceBot(TOKEN, fake_wechat.app_id, AES_KEY) as bot,
        fake_wechat.callbacks(bot.url, TOKEN, AES_KEY) as push,
    ):
        (await push.text(fake_wechat.new_openid(), "我的身份证号")).assert_ok()
    body = push.envelope(push.results[0].message)[0]
    assert "我的身份证号".encode() not in body
    assert set(parse(body)) == {"ToUserName", "Encrypt"}
    assert push.results[0].reply is None  # "success"
    assert fake_wechat.messages_to(push.results[0].message.openid) == []


async def test_url_verification_and_forged_signatures(fake_wechat: FakeWeChat) -> None:
    async with (
        ReferenceBot(TOKEN, fake_wechat.app_id) as bot,
        fake_wechat.callbacks(bot.url, TOKEN) as push,
    ):
        assert await push.verify_url("echo-123") == (200, "echo-123")
        async with fake_wechat.callbacks(bot.url, "not-the-token") as intruder:
            assert (await intruder.verify_url("x"))[0] == 403
            result = await intruder.text(fake_wechat.new_openid(), "伪造")
        assert result.status == 403 and not result.ok
        assert bot.received == [] and bot.rejected == 2
        assert fake_wechat.service_failures == [f"{result.message.openid}: HTTP 403"]


async def test_unanswered_push_is_retried_with_the_same_msg_id(
    fake_wechat: FakeWeChat,
) -> None:
    async with ReferenceBot(TOKEN, fake_wechat.app_id, answer=echo, hang=2) as bot:
        push = fake_wechat.callbacks(bot.url, TOKEN, timeout=0.3)
        async with push:
            result = await push.text(fake_wechat.new_openid(), "在吗")
    assert [a.status for a in result.attempts] == [None, None, 200]
    ids = {r.message.id for r in bot.received}
    times = {r.message.time for r in bot.received}
    nonces = {r.query["nonce"] for r in bot.received}
    assert len(bot.received) == 3 and ids == {result.message.msg_id} and len(times) == 1
    assert len(nonces) == 3  # each attempt is signed afresh
    assert result.ok and result.reply_text == "收到：在吗"


async def test_a_server_that_never_answers_fails_after_three_retries(
    fake_wechat: FakeWeChat,
) -> None:
    async with ReferenceBot(TOKEN, fake_wechat.app_id, hang=10) as bot:
        push = fake_wechat.callbacks(bot.url, TOKEN, timeout=0.2)
        async with push:
            started = time.monotonic()
            result = await push.text(fake_wechat.new_openid(), "有人吗")
            elapsed = time.monotonic() - started
    assert len(bot.received) == 4 and [a.status for a in result.attempts] == [None] * 4
    assert "no answer" in result.failure and len(fake_wechat.service_failures) == 1
    assert elapsed >= 0.8  # four attempts, each given the whole deadline


async def test_resend_repeats_the_push_without_a_new_window(
    fake_wechat: FakeWeChat,
) -> None:
    async with (
        ReferenceBot(TOKEN, fake_wechat.app_id) as bot,
        fake_wechat.callbacks(bot.url, TOKEN) as push,
    ):
        openid = fake_wechat.new_openid()
        first = await push.text(openid, "问题")
        fake_wechat.advance(hours=49)
        again = await push.resend(first)
    assert again.ok and bot.received[0].body == bot.received[1].body
    assert fake_wechat.followers[openid].last_inbound == pytest.approx(time.time(), abs=10)


async def test_events_change_the_follower_state(fake_wechat: FakeWeChat) -> None:
    async with (
        ReferenceBot(TOKEN, fake_wechat.app_id, AES_KEY) as bot,
        fake_wechat.callbacks(bot.url, TOKEN, AES_KEY) as push,
    ):
        openid = fake_wechat.new_openid()
        await push.subscribe(openid)
        await push.click(openid, "ADVISER")
        await push.view(openid, "https://example.invalid/privacy")
        await push.unsubscribe(openid)
    kinds = [(m.type, m.event) for m in (r.message for r in bot.received)]
    assert kinds == [("event", "subscribe"), ("event", "click"), ("event", "view"),
                     ("event", "unsubscribe")]  # fmt: skip
    assert bot.received[1].message.key == "ADVISER"
    assert "<MsgId>" not in bot.received[0].body  # events carry no MsgId
    assert not fake_wechat.followers[openid].subscribed


async def test_media_messages_and_menu_taps(fake_wechat: FakeWeChat) -> None:
    async with (
        ReferenceBot(TOKEN, fake_wechat.app_id) as bot,
        fake_wechat.callbacks(bot.url, TOKEN) as push,
    ):
        openid = fake_wechat.new_openid()
        await push.voice(openid, b"#!AMR\nspoken", recognition="土地承包合同到期怎么办")
        await push.voice(openid)
        await push.image(openid, b"\xff\xd8photo")
        await push.location(openid, 44.3, 86.0, "五十一团")
        fake_wechat.record_inbound(openid)
        await _send_menu(fake_wechat, openid)
        menu = await fake_wechat.wait_for_message(openid)
        await push.tap(openid, menu, "都不是，找法律顾问")
    voice, bare, image, location, tap = (r.message for r in bot.received)
    assert voice.recognition == "土地承包合同到期怎么办"
    assert "Recognition" not in bot.received[1].body
    assert fake_wechat.media[voice.media_id].content == b"#!AMR\nspoken"
    assert fake_wechat.media[image.media_id].content == b"\xff\xd8photo"
    assert location.label == "五十一团"
    assert tap.content == "都不是，找法律顾问"
    assert parse(bot.received[4].body)["bizmsgmenuid"] == "adviser"
    assert bare.format == "amr"


async def _send_menu(wechat: FakeWeChat, openid: str) -> None:
    async with aiohttp.ClientSession() as http:
        params = {"grant_type": "client_credential", "appid": wechat.app_id}
        params["secret"] = wechat.app_secret
        async with http.get(wechat.base_url + "token", params=params) as response:
            token = (await response.json())["access_token"]
        items = [
            {"id": "faq:1", "content": "宅基地继承"},
            {"id": "adviser", "content": "都不是，找法律顾问"},
        ]
        body = {"touser": openid, "msgtype": "msgmenu", "msgmenu": {"list": items}}
        async with http.post(
            wechat.base_url + "message/custom/send", params={"access_token": token}, json=body
        ) as response:
            assert (await response.json())["errcode"] == 0


async def test_answers_wechat_would_refuse(fake_wechat: FakeWeChat) -> None:
    # wechatpy's create_reply puts the text into CDATA unescaped: "]]>" breaks the XML
    async with (
        ReferenceBot(TOKEN, fake_wechat.app_id, answer=lambda m: "见第]]>条") as bot,
        fake_wechat.callbacks(bot.url, TOKEN) as push,
    ):
        result = await push.text(fake_wechat.new_openid(), "你好")
    assert result.failure.startswith("answer is neither 'success' nor reply XML")
    async with (
        ReferenceBot(
            TOKEN, fake_wechat.app_id, AES_KEY, answer=echo, plaintext_reply_in_safe_mode=True
        ) as bot,
        fake_wechat.callbacks(bot.url, TOKEN, AES_KEY) as push,
    ):
        result = await push.text(fake_wechat.new_openid(), "你好")
    assert result.failure == "plaintext reply in safe mode"
    with pytest.raises(AssertionError, match="plaintext reply"):
        result.assert_ok()
    async with (
        ReferenceBot(TOKEN, fake_wechat.app_id, answer=lambda m: "好") as bot,
        fake_wechat.callbacks(bot.url, TOKEN) as push,
    ):
        status, _ = await push.post_raw("<xml><broken>", push.signed_query())
        assert status == 500  # wechatpy's parser raised in the reference server
        status, _ = await push.post_raw("<xml/>", {"signature": "0" * 40, "timestamp": "1",
                                                   "nonce": "2"})  # fmt: skip
        assert status == 403
    assert len(bot.received) == 0 and bot.rejected == 1


async def test_a_burst_of_concurrent_pushes(fake_wechat: FakeWeChat) -> None:
    async with (
        ReferenceBot(TOKEN, fake_wechat.app_id, AES_KEY, answer=echo) as bot,
        fake_wechat.callbacks(bot.url, TOKEN, AES_KEY) as push,
    ):
        openids = [fake_wechat.new_openid() for _ in range(20)]
        results = await asyncio.gather(
            *(push.text(openids[n % 20], f"问题{n} 详情") for n in range(100))
        )
    assert all(r.ok for r in results) and len(bot.received) == 100
    assert len({r.message.msg_id for r in results}) == 100
    replies = await fake_wechat.wait_for_messages(openids[3], 5)
    assert sorted(m.text for m in replies) == sorted(f"收到：问题{n}" for n in range(3, 100, 20))
