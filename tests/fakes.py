"""Test doubles for the core's ports (no mocks: small working implementations)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from bot.adapters.wechat.client import WeChatApi
from bot.config.settings import Secret, WeChatSettings
from bot.core.messages import TELEGRAM, WECHAT
from bot.core.ports import Delivery, DeliveryOutcome, Outgoing
from bot.storage.channel_store import SqlChannelStore

if TYPE_CHECKING:
    from bot.app import Services
    from tests.fakewechat import FakeWeChat


class RecordingTransport:
    """A messenger that records what it sends; can be told to fail for a chat."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []
        self.failures: dict[int, list[Delivery]] = defaultdict(list)
        self._next = 100

    def fail(self, chat_id: int, *deliveries: Delivery) -> None:
        self.failures[chat_id].extend(deliveries)

    async def send(self, message: Outgoing) -> Delivery:
        if self.failures.get(message.chat_id):
            return self.failures[message.chat_id].pop(0)
        self.sent.append(message)
        self._next += 1
        return Delivery(DeliveryOutcome.SENT, message_id=self._next)

    def to(self, chat_id: int) -> list[Outgoing]:
        return [m for m in self.sent if m.chat_id == chat_id]


def record_every_channel(services: Services) -> RecordingTransport:
    """One recording transport attached for Telegram and WeChat (tests of the desk's rules,
    whose residents may be on either channel); ``services.transport()`` returns it."""
    transport = RecordingTransport()
    for channel in (TELEGRAM, WECHAT):
        services.attach_transport(transport, channel)
    return transport


def wechat_api(services: Services, wechat: FakeWeChat) -> WeChatApi:
    """The desk's WeChat API client pointed at the fake WeChat server, its token shared through
    the services' database."""
    settings = WeChatSettings(
        app_id=wechat.app_id,
        listen="127.0.0.1:1",
        api_base_url=wechat.base_url,
        app_secret=Secret(wechat.app_secret),
        token=Secret("t"),
    )
    return WeChatApi(settings, SqlChannelStore(services.uow, WECHAT), services.clock)
