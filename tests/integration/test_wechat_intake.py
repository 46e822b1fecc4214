"""The WeChat intake: each stored callback is processed once, its effects and its "processed"
mark committed together."""

from __future__ import annotations

from bot.adapters.wechat.intake import WeChatIntake
from bot.app import Services
from bot.core.messages import WECHAT
from bot.core.ports import Address
from bot.storage.channel_store import ChannelItem, SqlChannelStore
from tests.fakes import RecordingTransport

OPENID = "oIntakeTest_0000000000000001"
QUESTION = "打官司要交多少诉讼费？输了谁出？"


def _text(msg_id: str, content: str) -> ChannelItem:
    fields = {
        "ToUserName": "gh_1e9f0a7c3b5d",
        "FromUserName": OPENID,
        "CreateTime": "1764900000",
        "MsgType": "text",
        "Content": content,
        "MsgId": msg_id,
    }
    return ChannelItem(f"wechat:msg:{msg_id}", OPENID, fields)


async def test_a_callback_processed_twice_is_answered_once(services: Services) -> None:
    wechat = RecordingTransport()
    services.attach_transport(RecordingTransport())
    services.attach_transport(wechat, WECHAT)
    store = SqlChannelStore(services.uow, WECHAT)
    intake = WeChatIntake(services, store)
    item = _text("7001", QUESTION)
    await intake.accept(item)
    await intake.accept(item)  # WeChat's retry: already stored, not processed again
    await intake.drain()
    answered = len(wechat.to(Address(WECHAT, OPENID)))  # type: ignore[arg-type]
    assert answered >= 1
    assert await store.pending() == []
    # A second life that finds it again (e.g. it had not seen the mark) changes nothing.
    await intake._process(item)
    assert len(wechat.to(Address(WECHAT, OPENID))) == answered  # type: ignore[arg-type]


async def test_unprocessed_callbacks_are_processed_on_resume(services: Services) -> None:
    wechat = RecordingTransport()
    services.attach_transport(RecordingTransport())
    services.attach_transport(wechat, WECHAT)
    store = SqlChannelStore(services.uow, WECHAT)
    assert await store.store(_text("7002", QUESTION), services.clock.now())  # then a crash
    intake = WeChatIntake(services, store)
    await intake.resume()
    await intake.drain()
    assert any("诉讼费" in m.text for m in wechat.to(Address(WECHAT, OPENID)))  # type: ignore[arg-type]
    assert await store.pending() == []
