"""A WeChat-only desk: ``legaldesk run`` without a Telegram token serves the Official Account,
runs the periodic jobs, and refuses hostile callbacks (safe mode included) without losing the
residents' messages."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from tests.e2e.wechat_desk import AES_KEY, TOKEN, WeChatDesk, wechat_desk
from tests.fakewechat import AesCipher, FakeWeChat, WeChatCallbacks, inbound
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture
from tests.fakewechat.wire import render

pytestmark = pytest.mark.e2e

FAQ_QUESTION = "打官司要交多少诉讼费？输了谁出？"
UNKNOWN = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"
BUSY = 45047  # WeChat's "too many customer-service messages": retried later


async def stop(desk: WeChatDesk) -> str:
    """SIGTERM; the graceful stop's exit code must be 0. Returns the process's log."""
    desk.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(desk.process.wait(), timeout=30) == 0
    return desk.log.read_text(encoding="utf-8", errors="replace")


async def test_without_telegram_the_desk_welcomes_answers_opens_a_case_and_retries_later(
    fake_wechat: FakeWeChat,  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> None:
    wechat = fake_wechat
    # the outbox job retries every second here (15 s by default)
    retry_soon = "desk: {outbox_retry_seconds: 1}\n"
    async with wechat_desk(wechat, database_url, tmp_path, extra_yaml=retry_soon) as desk:
        openid = wechat.new_openid()
        wechat.fail_next("message/custom/send", BUSY, openid=openid)  # the welcome: refused
        (await desk.push.subscribe(openid)).assert_ok()
        (await desk.push.text(openid, FAQ_QUESTION)).assert_ok()
        answer = await wechat.wait_for_message(openid, contains="诉讼费", timeout=20)
        assert "依据" in answer.visible_text or "第" in answer.visible_text
        (await desk.push.text(openid, UNKNOWN)).assert_ok()
        case = await wechat.wait_for_message(openid, contains="#1", timeout=20)
        assert "法律顾问" in case.visible_text
        # The outbox job runs without Telegram: the refused welcome arrives.
        welcome = await wechat.wait_for_message(openid, contains="欢迎使用", timeout=45)
        assert [m.visible_text for m in wechat.messages_to(openid)].count(welcome.visible_text) == 1
        log = await stop(desk)
    assert "Traceback" not in log


async def test_hostile_callbacks_in_safe_mode_are_refused_and_nothing_is_lost(
    fake_wechat: FakeWeChat,  # noqa: F811
    database_url: str,
    tmp_path: Path,
) -> None:
    wechat = fake_wechat
    async with wechat_desk(wechat, database_url, tmp_path, safe_mode=True) as desk:
        push = desk.push
        openid = wechat.new_openid()
        message = inbound.message(openid, "text", {"Content": FAQ_QUESTION}, create_time=1)
        body, query = push.envelope(message)
        sealed = AesCipher(AES_KEY, push.app_id)
        forged, unreadable, too_big = 403, 400, 413
        refused = {
            "forged msg_signature": (forged, body, {**query, "msg_signature": "0" * 40}),
            "forged signature": (forged, body, {**query, "signature": "f" * 40}),
            "another account's AppID": (forged, *_sealed_for(push, message, "wx00000000000000")),
            "Encrypt that is not ours": (unreadable, *_sealed_body(push, "bm90IHNlYWxlZA==")),
            "truncated XML": (unreadable, b"<xml><ToUserName><![CDATA[gh_", _signed(push)),
            "an entity bomb": (unreadable, _ENTITY_BOMB.encode(), _signed(push)),
            "XML without a sender": (
                unreadable,
                *_sealed_body(push, sealed.encrypt(render({"MsgType": "text", "Content": "?"}))),
            ),
            "one megabyte": (too_big, b"<xml>" + b"x" * 1_048_576 + b"</xml>", query),
        }
        for what, (expected, raw, params) in refused.items():
            status, _ = await push.post_raw(raw, params)
            assert status == expected, f"{what}: HTTP {status}"
        # The desk still serves: the resident's real message is answered, once.
        (await push.text(openid, "谢谢")).assert_ok()
        await wechat.wait_for_message(openid, contains="不客气", timeout=20)
        # One sender's messages are handled in order: a refused POST stored would be answered
        # before the thanks.
        assert all("诉讼费" not in m.visible_text for m in wechat.messages_to(openid))
        real = (await push.deliver(message)).assert_ok()
        await wechat.wait_for_message(openid, contains="诉讼费", timeout=20)
        (await push.resend(real)).assert_ok()  # replayed: answered "success", nothing more
        # 兼容模式 (plaintext beside Encrypt), which the README offers too, is read alike.
        async with wechat.callbacks(desk.url, TOKEN, AES_KEY, compat=True) as compatible:
            (await compatible.text(openid, "谢谢")).assert_ok()
        await wechat.wait_for_message(openid, contains="不客气", timeout=20)
        texts = [m.visible_text for m in wechat.messages_to(openid)]
        assert sum("诉讼费" in text for text in texts) == 1
        await stop(desk)


_ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    "<xml><FromUserName>&b;</FromUserName><MsgType>text</MsgType></xml>"
)


def _signed(push: WeChatCallbacks) -> dict[str, str]:
    """A safe-mode query, correctly signed, for a body that carries no Encrypt."""
    return push.signed_query("", "")


def _sealed_body(push: WeChatCallbacks, encrypt: str) -> tuple[bytes, dict[str, str]]:
    """A safe-mode POST carrying *encrypt*, correctly signed."""
    body = render({"ToUserName": push.account_id, "Encrypt": encrypt})
    return body.encode("utf-8"), push.signed_query("", encrypt)


def _sealed_for(
    push: WeChatCallbacks, message: inbound.Inbound, app_id: str
) -> tuple[bytes, dict[str, str]]:
    """*message* encrypted for another account (its AppID inside the ciphertext)."""
    return _sealed_body(push, AesCipher(AES_KEY, app_id).encrypt(message.xml(push.account_id)))
