"""Broadcasts: queued once per theme, one outbox message per subscriber, delivered by the paced
pump (never by the courier's flush), withdrawn on unsubscribe, 了解更多 answered and counted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.app import Services
from bot.core import texts
from bot.core.clock import ManualClock
from bot.core.interactions import EventKind
from bot.core.outreach.pump import PumpPolicy
from bot.core.ports import Delivery, DeliveryOutcome, Person
from bot.storage.models import InteractionRow, OutboxRow, ResidentRow
from tests.integration.test_resident_desk import transport
from tests.integration.test_subscriptions import labels, press

WANG = Person(user_id=601, chat_id=601, display_name="王大妈")
LI = Person(user_id=602, chat_id=602, display_name="李大爷")
ZHAO = Person(user_id=603, chat_id=603, display_name="赵婶")
# 2026-12-10 09:30 in Asia/Shanghai: the shipped December theme's send time.
DECEMBER_SEND = datetime(2026, 12, 10, 1, 30, tzinfo=UTC)


async def subscribe(services: Services, *people: Person) -> None:
    for person in people:
        await services.courier.deliver(await services.subscriptions.subscribe(person))


async def broadcast_rows(services: Services) -> list[OutboxRow]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(OutboxRow).where(OutboxRow.broadcast_id.is_not(None)).order_by(OutboxRow.id)
        )
        return list(rows)


async def kinds(services: Services, kind: EventKind) -> list[str | None]:
    async with services.sessions() as session:
        rows = await session.scalars(
            select(InteractionRow.detail).where(InteractionRow.kind == kind.value)
        )
        return list(rows)


def themes_sent(services: Services, person: Person) -> list[str]:
    return [m.text for m in transport(services).to(person.chat_id) if "2026年12月普法" in m.text]


async def test_a_theme_is_queued_once_for_the_subscribers_and_sent_once_each(
    services: Services,
) -> None:
    await subscribe(services, WANG, LI)
    await services.courier.deliver(await services.desk.start(ZHAO))  # not subscribed
    first = await services.broadcasts.queue("2026-12")
    again = await services.broadcasts.queue("2026-12")
    assert (first.new, first.broadcast.recipients) == (True, 2)
    assert (again.new, again.broadcast.id) == (False, first.broadcast.id)
    assert len(await broadcast_rows(services)) == 2

    assert await services.courier.flush() == 0  # the courier leaves broadcasts to the pump
    assert themes_sent(services, WANG) == []
    assert await services.pump.drain() == 2
    assert await services.pump.drain() == 0
    for person in (WANG, LI):
        [message] = [m for m in transport(services).to(person.chat_id) if m.purpose == "broadcast"]
        assert "预防老年人诈骗" in message.text and "96110" in message.text
        assert labels(message) == ["📖 了解更多", "🔕 退订"]
    assert themes_sent(services, ZHAO) == []
    assert all(r.status == "sent" for r in await broadcast_rows(services))
    assert await kinds(services, EventKind.BROADCAST_DELIVERED) == ["2026-12", "2026-12"]


async def test_unsubscribing_withdraws_a_queued_message(services: Services) -> None:
    await subscribe(services, WANG, LI)
    await services.broadcasts.queue("2026-12")
    [bye] = await press(services, "unsub", WANG)  # the 退订 button, before the pump ran
    assert "还没发出的也不会再发" in bye.text
    assert await services.pump.drain() == 1
    assert themes_sent(services, WANG) == []
    assert len(themes_sent(services, LI)) == 1
    statuses = {r.chat_id: r.status for r in await broadcast_rows(services)}
    assert statuses == {WANG.chat_id: "cancelled", LI.chat_id: "sent"}


async def test_learn_more_answers_the_linked_entries_and_is_counted(services: Services) -> None:
    await subscribe(services, WANG)
    replies = await press(services, "more:2026-12", WANG)
    assert len(replies) == 4  # the theme's four linked fraud entries, each with its basis
    assert all("法律依据" in r.text for r in replies)
    assert "安全账户" in replies[0].text
    assert all("📬 订阅每月普法" not in labels(r) for r in replies)
    assert await kinds(services, EventKind.LEARN_MORE) == ["2026-12"]


async def test_blocked_residents_become_unreachable_and_429_is_retried_later(
    services: Services, clock: ManualClock
) -> None:
    await subscribe(services, WANG, LI)
    transport(services).fail(WANG.chat_id, Delivery(DeliveryOutcome.BLOCKED, error="403"))
    transport(services).fail(
        LI.chat_id, Delivery(DeliveryOutcome.RETRY, retry_after=0.01, error="429")
    )
    await services.broadcasts.queue("2026-12")
    assert await services.pump.drain() == 0
    statuses = {r.chat_id: r.status for r in await broadcast_rows(services)}
    assert statuses == {WANG.chat_id: "failed", LI.chat_id: "pending"}
    async with services.sessions() as session:
        unreachable = await session.scalar(
            select(ResidentRow.unreachable_at).where(ResidentRow.user_id == WANG.user_id)
        )
    assert unreachable is not None
    assert (await services.broadcasts.preview("2026-12")).subscribers == 1  # only LI now
    clock.advance(seconds=2)
    assert await services.pump.drain() == 1
    assert len(themes_sent(services, LI)) == 1


async def test_the_schedule_queues_a_theme_at_its_time_once(
    services: Services, clock: ManualClock
) -> None:
    await subscribe(services, WANG)
    clock.set(DECEMBER_SEND - timedelta(minutes=1))
    assert await services.broadcasts.queue_due() == []
    clock.set(DECEMBER_SEND + timedelta(seconds=30))
    [queued] = await services.broadcasts.queue_due()
    assert (queued.theme.month, queued.broadcast.recipients) == ("2026-12", 1)
    assert await services.broadcasts.queue_due() == []
    clock.set(datetime(2027, 1, 20, tzinfo=UTC))  # January's theme is days late: not by itself
    assert await services.broadcasts.queue_due() == []


async def test_a_stale_learn_more_after_the_theme_is_gone_is_polite(services: Services) -> None:
    [reply] = await press(services, "more:2025-01", WANG)
    assert reply.text == texts.unreadable_button()


async def test_a_broadcast_waits_while_residents_are_being_answered(services: Services) -> None:
    await subscribe(services, WANG)
    await services.broadcasts.queue("2026-12")
    asked, answered = asyncio.Event(), asyncio.Event()

    async def residents_idle() -> None:  # the intake's idle(): a resident is being answered
        asked.set()
        await answered.wait()

    services.pump.give_way_to(residents_idle)
    services.pump.policy = PumpPolicy(give_way=60)
    drain = asyncio.create_task(services.pump.drain())
    await asyncio.wait_for(asked.wait(), timeout=10)  # the pump asked before sending
    assert themes_sent(services, WANG) == [] and not drain.done()  # held back meanwhile
    answered.set()
    assert await drain == 1
    assert len(themes_sent(services, WANG)) == 1
