"""Delivering the outbox to WeChat (real HTTP to the fake WeChat server): the shared access
token, and what each of WeChat's refusals does to a message."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.adapters.wechat.client import WeChatApi
from bot.adapters.wechat.transport import WeChatTransport
from bot.app import Services
from bot.core.channels import ChannelDesk
from bot.core.messages import WECHAT
from bot.core.ports import Address, Button, DeliveryOutcome, Outgoing, Person
from tests.fakes import RecordingTransport, wechat_api
from tests.fakewechat import FakeWeChat
from tests.fakewechat.pytest_plugin import fake_wechat  # noqa: F401 - the fixture

LAND = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"


@pytest.fixture
async def wired(
    services: Services,
    fake_wechat: FakeWeChat,  # noqa: F811
) -> AsyncIterator[tuple[Services, FakeWeChat, WeChatApi]]:
    api = wechat_api(services, fake_wechat)
    services.attach_transport(RecordingTransport())
    services.attach_transport(WeChatTransport(api), WECHAT)
    yield services, fake_wechat, api


def _resident(wechat: FakeWeChat) -> Address:
    openid = wechat.new_openid()
    wechat.set_subscribed(openid, True)
    wechat.record_inbound(openid)  # their message opens the 48-hour window
    return Address(WECHAT, openid)


async def test_the_access_token_is_fetched_once_and_shared_through_the_database(
    wired: tuple[Services, FakeWeChat, WeChatApi],
) -> None:
    services, wechat, api = wired
    first = await api.token()
    other_process = wechat_api(services, wechat)
    assert await other_process.token() == first
    assert len(wechat.token_requests) == 1
    services.clock.advance(hours=1, minutes=56)  # within 5 minutes of expiry
    assert await other_process.token() != first
    assert len(wechat.token_requests) == 2


@pytest.mark.postgres  # several instances share only PostgreSQL (SQLite refuses a second)
async def test_instances_needing_a_token_at_once_fetch_one_between_them(
    wired: tuple[Services, FakeWeChat, WeChatApi],
) -> None:
    """Each ``WeChatApi`` stands for another instance (its own lock, its own store); a new token
    makes the one before it invalid, so only one of them may fetch."""
    services, wechat, _ = wired
    wechat.delay_next("token", 0.5)  # the first fetch is still under way when the others ask
    instances = [wechat_api(services, wechat) for _ in range(3)]
    tokens = await asyncio.gather(*(instance.token() for instance in instances))
    assert len(set(tokens)) == 1
    assert len(wechat.token_requests) == 1


@pytest.mark.parametrize("expiry", ["expired", "invalid"])
async def test_a_refused_token_is_replaced_and_the_message_sent(
    wired: tuple[Services, FakeWeChat, WeChatApi], expiry: str
) -> None:
    _services, wechat, api = wired
    chat = _resident(wechat)
    await api.token()
    wechat.expire_tokens() if expiry == "expired" else wechat.invalidate_tokens()
    delivery = await WeChatTransport(api).send(Outgoing(chat, "<b>您好</b> &amp; 再见"))
    assert delivery.outcome is DeliveryOutcome.SENT
    [message] = wechat.messages_to(chat.id)
    assert message.text == "您好 & 再见"
    assert len(wechat.token_requests) == 2


async def test_choices_arrive_as_a_msgmenu_whose_ids_are_the_button_data(
    wired: tuple[Services, FakeWeChat, WeChatApi],
) -> None:
    _services, wechat, api = wired
    chat = _resident(wechat)
    buttons = ((Button("👍 有帮助", "fb:x"),), (Button("找法律顾问", "esc:1"),))
    delivery = await WeChatTransport(api).send(Outgoing(chat, "请选择", buttons))
    assert delivery.outcome is DeliveryOutcome.SENT
    [menu] = wechat.messages_to(chat.id)
    assert menu.msgtype == "msgmenu"
    assert [(i.id, i.content) for i in menu.items] == [
        ("fb:x", "👍 有帮助"),
        ("esc:1", "找法律顾问"),
    ]


@pytest.mark.parametrize(
    ("errcode", "outcome"),
    [
        (45015, DeliveryOutcome.HELD),
        (43004, DeliveryOutcome.BLOCKED),
        (45047, DeliveryOutcome.RETRY),
        (-1, DeliveryOutcome.RETRY),
        (40003, DeliveryOutcome.REJECTED),
    ],
)
async def test_wechats_refusals_become_delivery_outcomes(
    wired: tuple[Services, FakeWeChat, WeChatApi], errcode: int, outcome: DeliveryOutcome
) -> None:
    _services, wechat, api = wired
    chat = _resident(wechat)
    wechat.fail_next("message/custom/send", errcode)
    delivery = await WeChatTransport(api).send(Outgoing(chat, "您好"))
    assert delivery.outcome is outcome
    assert wechat.messages_to(chat.id) == []


async def test_a_server_error_is_retried_later(
    wired: tuple[Services, FakeWeChat, WeChatApi],
) -> None:
    _services, wechat, api = wired
    chat = _resident(wechat)
    await api.token()
    wechat.http_error_next("message/custom/send", 502)
    assert (await WeChatTransport(api).send(Outgoing(chat, "您好"))).outcome is (
        DeliveryOutcome.RETRY
    )


async def test_an_answer_past_48_hours_waits_and_comes_with_the_residents_next_message(
    wired: tuple[Services, FakeWeChat, WeChatApi],
) -> None:
    services, wechat, _api = wired
    chat = _resident(wechat)
    person = Person(chat, chat, "")
    await services.courier.deliver(await services.desk.ask(person, LAND))
    assert any("#1" in m.text for m in wechat.messages_to(chat.id))
    wechat.advance(hours=49)  # the window has closed
    batch = await services.staff.answer(9001, 1, "按政策可以申请补发，请带退伍证去人社所。")
    await services.courier.deliver(batch)
    assert not any("人社所" in m.text for m in wechat.messages_to(chat.id))
    telegram = services.transport()
    assert isinstance(telegram, RecordingTransport)
    assert any("48 小时" in m.text for m in telegram.to(9001))  # the adviser is told
    async with services.uow() as uow:
        case = await uow.cases.get(1)
    assert case is not None and case.undeliverable is False

    wechat.record_inbound(chat.id)  # the resident writes again
    released = await ChannelDesk(services.uow, services.clock).release(chat)
    await services.courier.deliver(released)
    texts = [m.text for m in wechat.messages_to(chat.id)]
    assert any("48 小时" in t for t in texts)
    assert any("人社所" in t for t in texts)
