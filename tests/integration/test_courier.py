"""The courier on real databases: a use case's messages are sent without being read back, a flush
running at the same moment never sends one of them twice, and every "sent" is recorded."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.messages import WECHAT
from bot.core.ports import Delivery, Outgoing, Person
from bot.storage.models import OutboxRow
from tests.fakes import RecordingTransport

GRANNY = Person(user_id=501, chat_id=501, display_name="王大妈")
UNKNOWN = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来"  # handed off: several messages


class NetworkTransport(RecordingTransport):
    """Sends as the network does: other tasks run while a request is on its way."""

    async def send(self, message: Outgoing) -> Delivery:
        await asyncio.sleep(0)
        delivery = await super().send(message)
        await asyncio.sleep(0)
        return delivery


@pytest.fixture
def network(services: Services) -> NetworkTransport:
    transport = NetworkTransport()
    services.attach_transport(transport)
    return transport


async def statuses(services: Services) -> dict[int, str]:
    async with services.sessions() as session:
        rows = await session.execute(select(OutboxRow.id, OutboxRow.status))
        return {row.id: row.status for row in rows}


class SlowToGranny(NetworkTransport):
    """Sending to the resident hangs (a slow connection) until ``go`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.hanging, self.go = asyncio.Event(), asyncio.Event()

    async def send(self, message: Outgoing) -> Delivery:
        if message.chat_id == GRANNY.chat_id:
            self.hanging.set()
            await self.go.wait()
        return await super().send(message)


@pytest.mark.parametrize("flush_first", [False, True], ids=["deliver-first", "flush-first"])
async def test_a_flush_racing_a_delivery_sends_each_message_once(
    services: Services, network: NetworkTransport, flush_first: bool
) -> None:
    batch = await services.desk.ask(GRANNY, UNKNOWN)
    assert len(batch.messages) >= 2  # the resident's receipt and the advisers' notices
    courier = services.courier
    jobs = [courier.deliver(batch), courier.flush()]
    await asyncio.gather(*(reversed(jobs) if flush_first else jobs))
    sent = Counter((m.chat_id, m.text) for m in network.sent)
    assert sorted(sent.values()) == [1] * len(batch.messages)
    assert set(sent) == {(m.chat_id, m.text) for m in batch.messages}
    assert set((await statuses(services)).values()) == {"sent"}


async def test_a_flush_while_a_batch_is_on_its_way_leaves_the_rest_of_it_alone(
    services: Services,
) -> None:
    slow = SlowToGranny()
    services.attach_transport(slow)
    batch = await services.desk.ask(GRANNY, UNKNOWN)
    assert batch.messages[0].chat_id == GRANNY.chat_id and len(batch.messages) >= 2
    delivering = asyncio.create_task(services.courier.deliver(batch))
    await slow.hanging.wait()  # the receipt is on its way; the advisers' notices wait behind it
    await services.courier.flush()  # the periodic retry job comes by meanwhile
    assert slow.sent == []  # it left the batch to its delivery
    slow.go.set()
    await delivering
    assert Counter(m.chat_id for m in slow.sent) == Counter(m.chat_id for m in batch.messages)
    assert set((await statuses(services)).values()) == {"sent"}


async def test_a_channel_starting_while_a_batch_is_on_its_way_does_not_send_it_again(
    services: Services,
) -> None:
    """At start-up WeChat may begin answering before Telegram is ready: the channel that starts
    later joins the courier that is already sending."""
    slow = SlowToGranny()
    services.attach_transport(slow)
    batch = await services.desk.ask(GRANNY, UNKNOWN)
    delivering = asyncio.create_task(services.courier.deliver(batch))
    await slow.hanging.wait()  # the receipt is on its way, longer than the outbox lease
    services.clock.advance(seconds=services.settings.cluster.outbox_lease_seconds + 1)
    services.attach_transport(RecordingTransport(), WECHAT)  # another channel starts
    flushing = asyncio.create_task(services.courier.flush())  # and the retry job comes by
    slow.go.set()
    await asyncio.gather(delivering, flushing)
    sent = Counter((m.chat_id, m.text) for m in slow.sent)
    assert sorted(sent.values()) == [1] * len(batch.messages)
    assert set((await statuses(services)).values()) == {"sent"}


async def test_concurrent_deliveries_are_all_recorded_as_sent(
    services: Services, network: NetworkTransport
) -> None:
    residents = [Person(600 + n, 600 + n, f"居民{n}") for n in range(8)]
    batches = [await services.desk.ask(p, "你好") for p in residents]
    await asyncio.gather(*(services.courier.deliver(b) for b in batches))
    assert len(network.sent) == len(residents)
    recorded = await statuses(services)
    assert set(recorded.values()) == {"sent"} and set(recorded) == {
        i for b in batches for i in b.ids
    }
