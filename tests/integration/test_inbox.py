"""The inbox on real databases: an update is stored once, marked processed in the transaction of
its effects, and never counted twice; and the processor that runs them: each chat in order,
several chats at once, a pause for a retry holding no slot."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.adapters.tg.processor import ChatOrderedProcessor, Job
from bot.app import Services
from bot.core.interactions import EventKind
from bot.core.ports import Person, SentBatch
from bot.storage.inbox import AlreadyProcessed, InboxItem, SqlInbox, Ticket, current_update
from bot.storage.models import InboxRow, InteractionRow

GRANNY = Person(user_id=501, chat_id=501, display_name="王大妈")
WAGES = "老板拖欠工资大半年了不给，怎么办"


def item(update_id: int, text: str = WAGES, chat: int = 501) -> InboxItem:
    message = {
        "message_id": update_id,
        "date": 1_764_000_000,
        "text": text,
        "chat": {"id": chat, "type": "private", "first_name": "王大妈"},
        "from": {"id": chat, "is_bot": False, "first_name": "王大妈"},
    }
    return InboxItem(update_id, chat, {"update_id": update_id, "message": message})


async def ask_as(services: Services, update_id: int, text: str = WAGES) -> SentBatch:
    """The resident's question, processed as inbox update ``update_id`` is (see intake)."""
    token = current_update.set(Ticket(update_id, services.clock.now()))
    try:
        return await services.desk.ask(GRANNY, text)
    finally:
        current_update.reset(token)


async def questions(services: Services) -> int:
    async with services.sessions() as session:
        return (
            await session.scalar(
                select(func.count()).where(InteractionRow.kind == EventKind.QUESTION)
            )
            or 0
        )


async def row(services: Services, update_id: int) -> InboxRow:
    async with services.sessions() as session:
        found = await session.get(InboxRow, update_id)
    assert found is not None
    return found


async def pending_ids(inbox: SqlInbox) -> list[int]:
    return [i.update_id for i in await inbox.pending()]


async def test_an_update_fetched_again_is_stored_once(services: Services) -> None:
    inbox, now = SqlInbox(services.uow), services.clock.now()
    assert await inbox.store([item(1), item(2, "第一次收到的")], now) == {1, 2}
    assert await inbox.store([item(2, "又收到一次"), item(3)], now) == {3}
    stored = await inbox.pending()
    assert [i.update_id for i in stored] == [1, 2, 3]
    assert stored[1].payload["message"]["text"] == "第一次收到的"
    assert stored[1].chat_id == 501 and stored[1].attempts == 0


async def test_the_use_case_marks_its_update_processed_in_its_own_commit(
    services: Services,
) -> None:
    inbox = SqlInbox(services.uow)
    await inbox.store([item(7)], services.clock.now())
    await ask_as(services, 7)
    assert (await row(services, 7)).processed_at == services.clock.now()
    assert await pending_ids(inbox) == []
    assert await questions(services) == 1


async def test_effects_rolled_back_leave_the_update_pending(services: Services) -> None:
    inbox = SqlInbox(services.uow)
    await inbox.store([item(8)], services.clock.now())
    token = current_update.set(Ticket(8, services.clock.now()))
    try:
        async with services.uow() as uow:  # a use case that fails before its commit
            await uow.residents.get_or_create(GRANNY, services.clock.now())
    finally:
        current_update.reset(token)
    assert (await row(services, 8)).processed_at is None
    assert await pending_ids(inbox) == [8]


async def test_an_update_processed_again_is_refused_and_not_counted_twice(
    services: Services,
) -> None:
    await SqlInbox(services.uow).store([item(9)], services.clock.now())
    await ask_as(services, 9)
    with pytest.raises(AlreadyProcessed):
        await ask_as(services, 9)
    assert await questions(services) == 1


async def test_one_update_processed_twice_at_once_counts_once(services: Services) -> None:
    await SqlInbox(services.uow).store([item(10)], services.clock.now())
    async with services.uow() as uow:  # a known resident: the race is for the inbox row alone
        await uow.residents.get_or_create(GRANNY, services.clock.now())
        await uow.commit()
    results = await asyncio.gather(
        ask_as(services, 10), ask_as(services, 10), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["AlreadyProcessed", "SentBatch"]
    assert await questions(services) == 1


async def test_failures_are_counted_and_a_given_up_update_is_not_tried_again(
    services: Services,
) -> None:
    inbox, now = SqlInbox(services.uow), services.clock.now()
    await inbox.store([item(11), item(12)], now)
    await inbox.record_failure(11, "OperationalError('database is locked')", now, give_up=False)
    [first, _] = await inbox.pending()
    assert (first.update_id, first.attempts) == (11, 1)
    await inbox.record_failure(11, "BadRequest('Message is too long')", now, give_up=True)
    assert await pending_ids(inbox) == [12]
    failed = await row(services, 11)
    assert failed.attempts == 2 and failed.failed_at == now
    assert "too long" in (failed.last_error or "")
    await inbox.mark_done(12, now)
    await inbox.record_failure(12, "late", now, give_up=True)  # a settled row stays settled
    assert (await row(services, 12)).failed_at is None


async def test_prune_deletes_settled_rows_only(services: Services) -> None:
    inbox, now = SqlInbox(services.uow), services.clock.now()
    await inbox.store([item(21), item(22), item(23)], now)
    await inbox.mark_done(21, now)
    await inbox.record_failure(22, "poison", now, give_up=True)
    assert await inbox.prune(now) == 0  # nothing is older than now
    assert await inbox.prune(now + timedelta(seconds=1)) == 2
    assert await pending_ids(inbox) == [23]


# -- the processor ------------------------------------------------------------------------------


def recording(
    log: list[str], name: str, gate: asyncio.Event | None = None, pauses: list[float] | None = None
) -> Job:
    """A job that logs its start and end, may wait for ``gate``, and asks for ``pauses``."""

    async def job() -> float | None:
        log.append(f"{name} start")
        if gate is not None:
            await gate.wait()
        log.append(f"{name} end")
        return pauses.pop(0) if pauses else None

    return job


async def test_each_chat_in_order_while_other_chats_go_ahead() -> None:
    processor, log, gate = ChatOrderedProcessor(limit=4), [], asyncio.Event()
    processor.submit("granny", recording(log, "granny-1", gate))
    processor.submit("granny", recording(log, "granny-2"))
    processor.submit("uncle", recording(log, "uncle-1"))
    processor.submit("uncle", recording(log, "uncle-2"))
    await processor.wait_for_room(3)  # the uncle's two are done, the granny's first is stuck
    assert log == ["granny-1 start", "uncle-1 start", "uncle-1 end", "uncle-2 start", "uncle-2 end"]
    gate.set()
    await processor.join()
    assert log[-3:] == ["granny-1 end", "granny-2 start", "granny-2 end"]


async def test_no_more_than_the_limit_run_at_once() -> None:
    processor, log, gate = ChatOrderedProcessor(limit=2), [], asyncio.Event()
    for chat in range(5):
        processor.submit(chat, recording(log, f"chat-{chat}", gate))
    for _ in range(5):
        await asyncio.sleep(0)  # let every chat that can start, start
    assert log == ["chat-0 start", "chat-1 start"]
    gate.set()
    await processor.join()
    assert sorted(log) == sorted([f"chat-{c} {e}" for c in range(5) for e in ("start", "end")])


async def test_a_chat_pausing_for_a_retry_holds_no_slot_and_close_cuts_the_pause() -> None:
    processor, log = ChatOrderedProcessor(limit=1), []
    processor.submit("granny", recording(log, "granny", pauses=[60.0]))  # fails: retry in 60 s
    processor.submit("uncle", recording(log, "uncle"))
    await processor.wait_for_room(2)  # the uncle ran on the only slot while the granny waits
    assert log == ["granny start", "granny end", "uncle start", "uncle end"]
    assert processor.backlog == 1
    await asyncio.wait_for(processor.close(), timeout=5)  # not 60 s: closing ends the pause
    assert processor.backlog == 0 and log.count("granny start") == 1


async def test_close_finishes_running_jobs_and_starts_no_queued_ones() -> None:
    processor, log, gate = ChatOrderedProcessor(limit=1), [], asyncio.Event()
    processor.submit("granny", recording(log, "first", gate))
    processor.submit("granny", recording(log, "second"))
    await asyncio.sleep(0)
    closing = asyncio.create_task(processor.close())
    await asyncio.sleep(0)
    assert not closing.done()  # waits for the running job
    gate.set()
    await closing
    assert log == ["first start", "first end"]
    with pytest.raises(RuntimeError):
        processor.submit("granny", recording(log, "late"))
