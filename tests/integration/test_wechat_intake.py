"""The WeChat intake: each stored callback is processed once, its effects and its "processed"
mark committed together."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.wechat.intake import WeChatIntake, sender_lock_key
from bot.app import Services
from bot.core.messages import WECHAT
from bot.core.ports import Address
from bot.storage.channel_store import ChannelItem, SqlChannelStore
from bot.storage.cluster import PostgresLocks
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


@pytest.mark.postgres  # several instances share only PostgreSQL
async def test_a_sender_another_instance_holds_is_answered_here_after_it_oldest_first(
    services: Services, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    wechat = RecordingTransport()
    services.attach_transport(RecordingTransport())
    services.attach_transport(wechat, WECHAT)
    store = SqlChannelStore(services.uow, WECHAT)
    other, here = PostgresLocks(database_url), PostgresLocks(database_url)
    services.instance.locks = here
    try:
        # The other instance stored the sender's first question and is answering the sender.
        assert await other.claim_chat(sender_lock_key(OPENID))
        assert await store.store(_text("7101", QUESTION), services.clock.now())
        intake = WeChatIntake(services, store)
        with caplog.at_level(logging.INFO, logger="bot.adapters.wechat.intake"):
            await intake.accept(_text("7102", "借钱不还怎么办"))  # the second reaches this one
            await _logged(caplog, "being answered by another instance")
        assert wechat.to(Address(WECHAT, OPENID)) == []  # type: ignore[arg-type]
        await other.close()  # it died before answering: its lock went with its session
        await intake.drain()
        replies = [m.text for m in wechat.to(Address(WECHAT, OPENID))]  # type: ignore[arg-type]
        first = next(i for i, text in enumerate(replies) if "诉讼费" in text)
        second = next(i for i, text in enumerate(replies) if "借" in text)
        assert first < second
        assert await store.pending() == []
    finally:
        await other.close()
        await here.close()


async def _logged(caplog: pytest.LogCaptureFixture, text: str, within: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not any(text in record.getMessage() for record in caplog.records):
        assert asyncio.get_running_loop().time() < deadline, f"never logged: {text}"
        await asyncio.sleep(0.02)


@pytest.mark.postgres  # several instances share only PostgreSQL
async def test_callbacks_a_dead_instance_left_unanswered_are_answered_by_the_sweep(
    services: Services, database_url: str
) -> None:
    wechat = RecordingTransport()
    services.attach_transport(RecordingTransport())
    services.attach_transport(wechat, WECHAT)
    store = SqlChannelStore(services.uow, WECHAT)
    services.instance.locks = here = PostgresLocks(database_url)
    try:
        # An instance stored the question, told WeChat "success" and died before answering.
        assert await store.store(_text("7201", QUESTION), services.clock.now())
        intake = WeChatIntake(services, store)
        await intake.sweep()  # too recent: it may still be being answered
        await intake.drain()
        assert wechat.to(Address(WECHAT, OPENID)) == []  # type: ignore[arg-type]
        services.clock.advance(minutes=1)
        await intake.sweep()
        await intake.drain()
        assert any("诉讼费" in m.text for m in wechat.to(Address(WECHAT, OPENID)))  # type: ignore[arg-type]
        assert await store.pending() == []
    finally:
        await here.close()
