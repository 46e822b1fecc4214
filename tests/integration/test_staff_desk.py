"""Advisers' use cases on a real database: claim race, answer, delivery, close, reminders."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.core.clock import ManualClock
from bot.core.errors import AlreadyClaimed, CaseClosed, CaseNotFound, InvalidRequest, NotAllowed
from bot.core.interactions import EventKind
from bot.core.ports import Delivery, DeliveryOutcome, Outgoing, Person
from bot.storage.models import CaseRow, InteractionRow
from tests.integration.test_resident_desk import GRANNY, say, transport

LI, ZHANG, OFFICE = 9001, 9002, 9100
UNKNOWN_QUESTION = "俺家娃当兵退伍回来了，退役安置的钱一直没发下来，咋办"


async def open_case(services: Services, person: Person = GRANNY) -> int:
    await say(services, UNKNOWN_QUESTION, person)
    async with services.sessions() as session:
        return int(await session.scalar(select(CaseRow.id).order_by(CaseRow.id.desc()).limit(1)))


async def run(services: Services, batch_coro: object) -> list[Outgoing]:
    before = len(transport(services).sent)
    batch = await batch_coro  # type: ignore[misc]
    await services.courier.deliver(batch)
    return transport(services).sent[before:]


async def kinds(services: Services) -> list[str]:
    async with services.sessions() as session:
        return list(await session.scalars(select(InteractionRow.kind).order_by(InteractionRow.id)))


async def test_two_advisers_claiming_at_once_exactly_one_wins(services: Services) -> None:
    case_id = await open_case(services)
    for _ in range(5):  # several rounds, each a fresh case, to give the race a chance
        results = await asyncio.gather(
            services.staff.claim(LI, case_id),
            services.staff.claim(ZHANG, case_id),
            return_exceptions=True,
        )
        winners = [r for r in results if not isinstance(r, BaseException)]
        losers = [r for r in results if isinstance(r, AlreadyClaimed)]
        assert len(winners) == 1 and len(losers) == 1
        async with services.sessions() as session:
            row = await session.get(CaseRow, case_id)
            assert row is not None and row.status == "claimed"
            assert losers[0].holder == row.claimed_by_name
        await run(services, services.staff.close(row.claimed_by, case_id))
        case_id = await open_case(services)
    assert (await kinds(services)).count(EventKind.CASE_CLAIMED) == 5


async def test_answer_reaches_the_resident_and_the_adviser_hears_it_arrived(
    services: Services,
) -> None:
    case_id = await open_case(services)
    sent = await run(services, services.staff.answer(LI, case_id, "您好，<先>量地再说"))
    to_resident = [m for m in sent if m.chat_id == GRANNY.chat_id]
    assert f"法律顾问回复（#{case_id}）" in to_resident[0].text
    assert "&lt;先&gt;" in to_resident[0].text  # HTML escaped
    assert any(m.chat_id == LI and "已送达" in m.text for m in sent)
    assert (await kinds(services))[-3:] == [
        EventKind.CASE_CLAIMED,
        EventKind.CASE_ANSWERED,
        EventKind.ANSWER_DELIVERED,
    ]


async def test_blocked_resident_marks_the_case_undeliverable_and_tells_the_adviser(
    services: Services,
) -> None:
    case_id = await open_case(services)
    transport(services).fail(GRANNY.chat_id, Delivery(DeliveryOutcome.BLOCKED, error="403"))
    sent = await run(services, services.staff.answer(LI, case_id, "回复"))
    assert any(m.chat_id == LI and "没有送达" in m.text for m in sent)
    async with services.sessions() as session:
        row = await session.get(CaseRow, case_id)
        assert row is not None and row.undeliverable
    assert EventKind.ANSWER_UNDELIVERABLE in await kinds(services)


async def test_failed_send_is_retried_later_and_then_delivered(
    services: Services, clock: ManualClock
) -> None:
    case_id = await open_case(services)
    transport(services).fail(
        GRANNY.chat_id, Delivery(DeliveryOutcome.RETRY, retry_after=5, error="429")
    )
    sent = await run(services, services.staff.answer(LI, case_id, "回复内容"))
    assert not any(m.chat_id == GRANNY.chat_id for m in sent)
    assert await services.courier.flush() == 0  # not due yet
    clock.advance(seconds=6)
    assert await services.courier.flush() == 1
    assert any("回复内容" in m.text for m in transport(services).to(GRANNY.chat_id))
    assert any("已送达" in m.text for m in transport(services).to(LI))


async def test_only_the_holder_answers_and_closed_cases_stay_closed(services: Services) -> None:
    case_id = await open_case(services)
    await run(services, services.staff.claim(LI, case_id))
    with pytest.raises(AlreadyClaimed):
        await services.staff.answer(ZHANG, case_id, "我也来答")
    sent = await run(services, services.staff.close(LI, case_id))
    assert any(m.chat_id == GRANNY.chat_id and "处理完毕" in m.text for m in sent)
    with pytest.raises(CaseClosed):
        await services.staff.answer(LI, case_id, "再答")
    with pytest.raises(CaseNotFound):
        await services.staff.claim(LI, 999)
    with pytest.raises(InvalidRequest):
        await services.staff.answer(LI, case_id, "   ")


async def test_non_staff_are_refused_and_the_attempt_is_logged(services: Services) -> None:
    case_id = await open_case(services)
    for attempt in (
        services.staff.claim(GRANNY.user_id, case_id),
        services.staff.answer(GRANNY.user_id, case_id, "x"),
        services.staff.queue(GRANNY.user_id),
    ):
        with pytest.raises(NotAllowed):
            await attempt
    with pytest.raises(NotAllowed):  # office staff see, but do not answer
        await services.staff.answer(OFFICE, case_id, "x")
    assert (await kinds(services)).count(EventKind.REFUSED) == 4
    async with services.sessions() as session:
        row = await session.get(CaseRow, case_id)
        assert row is not None and row.status == "open"


async def test_queue_and_thread_show_what_advisers_need(services: Services) -> None:
    case_id = await open_case(services)
    await say(services, "补充：合同是2019年签的")
    queue = await services.staff.queue(OFFICE)
    assert f"#{case_id} [待认领]" in queue
    thread = await services.staff.show(LI, case_id)
    assert "退役" in thread and "2019年" in thread and "王大妈" in thread


async def test_reply_to_a_case_notice_answers_that_case(services: Services) -> None:
    case_id = await open_case(services)
    notice = next(m for m in transport(services).to(LI) if m.case_id == case_id)
    assert notice.id is not None
    async with services.sessions() as session:
        from bot.storage.models import OutboxRow

        message_id = await session.scalar(
            select(OutboxRow.message_id).where(OutboxRow.id == notice.id)
        )
    sent = await run(services, services.staff.answer_reply(LI, LI, int(message_id), "回复你"))
    assert any(m.chat_id == GRANNY.chat_id and "回复你" in m.text for m in sent)
    with pytest.raises(InvalidRequest):
        await services.staff.answer_reply(LI, LI, 123456, "乱回")


async def test_unclaimed_case_is_reannounced_after_half_an_hour_on_duty(
    services: Services, clock: ManualClock
) -> None:
    case_id = await open_case(services)
    clock.advance(minutes=29)
    assert (await services.reminders.remind()).ids == ()
    clock.advance(minutes=2)
    sent = await run(services, services.reminders.remind())
    assert {m.chat_id for m in sent} == {LI, ZHANG}
    assert all("还没有人认领" in m.text and f"#{case_id}" in m.text for m in sent)
    assert (await services.reminders.remind()).ids == ()  # not again right away


async def test_no_reminders_outside_shifts_then_a_digest_at_shift_start(
    services: Services, clock: ManualClock
) -> None:
    clock.advance(hours=12)  # Wednesday 22:30, nobody on duty
    case_id = await open_case(services)
    clock.advance(hours=2)
    assert (await services.reminders.remind()).ids == ()
    night = clock.now()
    clock.advance(hours=9, minutes=31)  # Thursday 10:01
    sent = await run(services, services.reminders.digest(night, clock.now()))
    assert {m.chat_id for m in sent} == {LI, ZHANG}
    assert f"#{case_id}" in sent[0].text and sent[0].buttons[0][0].data == f"claim:{case_id}"


async def test_claimed_but_unanswered_reminds_the_holder_and_the_office(
    services: Services, clock: ManualClock
) -> None:
    case_id = await open_case(services)
    await run(services, services.staff.claim(LI, case_id))
    clock.advance(hours=24, minutes=1)  # Thursday 10:31: Li is on shift again
    sent = await run(services, services.reminders.remind())
    assert {m.chat_id for m in sent} == {LI, OFFICE}
    assert EventKind.REMINDER in await kinds(services)
