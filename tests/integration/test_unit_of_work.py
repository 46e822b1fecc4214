"""The unit of work on both engines: its statements are stored together or not at all, values come
back as stored, refusals raise SQLAlchemy's errors, and when two bot processes process the same
update, exactly one stores its effects."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.interactions import EventKind, Interaction
from bot.core.ports import Button, Outgoing, Person
from bot.storage.inbox import AlreadyProcessed, InboxItem, SqlInbox, Ticket, current_update
from bot.storage.models import InboxRow, InteractionRow, OutboxRow, ResidentRow
from bot.storage.tickets import claim_update
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine

GRANNY = Person(user_id=501, chat_id=501, display_name="王大妈")
NOW = datetime(2026, 11, 25, 2, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    built = create_engine(database_url)
    yield built
    await built.dispose()


def _same_database(url: str) -> str:
    """The URL of the same database spelled differently: for SQLite, an engine that does not
    share this process's turns with ``url``'s, as another bot process would not."""
    if url.startswith("sqlite"):
        head, _, name = url.rpartition("/")
        return f"{head}/./{name}"
    return url


async def _count(engine: AsyncEngine, table: type) -> int:
    async with SqlUnitOfWorkFactory(engine, write=False)() as uow:
        return int(await uow.connection.scalar(select(func.count()).select_from(table)) or 0)


def _question(resident_id: int, text: str) -> Interaction:
    return Interaction(kind=EventKind.QUESTION, at=NOW, resident_id=resident_id, text=text)


async def test_a_unit_of_work_left_without_commit_stores_nothing(engine: AsyncEngine) -> None:
    async with SqlUnitOfWorkFactory(engine)() as uow:
        arrival = await uow.residents.arrive(GRANNY, NOW, ["question"], NOW)
        await uow.interactions.add(_question(arrival.resident.id, "邻居占了我家的地"))
        await uow.outbox.put(Outgoing(GRANNY.chat_id, "您好"), NOW)
    assert await _count(engine, ResidentRow) == 0
    assert await _count(engine, InteractionRow) == 0
    assert await _count(engine, OutboxRow) == 0


async def test_what_a_unit_of_work_wrote_is_seen_by_its_later_statements(
    engine: AsyncEngine,
) -> None:
    async with SqlUnitOfWorkFactory(engine)() as uow:
        resident = await uow.residents.get_or_create(GRANNY, NOW)
        ids = await uow.interactions.add_all(
            [_question(resident.id, "第一句"), _question(resident.id, "第二句")]
        )
        assert ids == sorted(ids) and len(set(ids)) == 2  # in the order of the events
        assert await uow.interactions.question_text(ids[1], resident.id) == "第二句"
        again = await uow.residents.arrive(GRANNY, NOW, ["question"], NOW)
        assert (again.resident.id, again.recent) == (resident.id, 2)
        case = await uow.cases.open(resident.id, "第二句", NOW, None, None)
        await uow.commit()
        await uow.interactions.add(_question(resident.id, "未提交"))  # a new transaction
    async with SqlUnitOfWorkFactory(engine)() as uow:
        assert (await uow.cases.get(case.id)) is not None
    assert await _count(engine, InteractionRow) == 2


async def test_a_question_and_its_reply_are_logged_together_under_their_own_ids(
    engine: AsyncEngine,
) -> None:
    """The id that comes back is the question's (its reply's buttons name it), on both engines."""
    async with SqlUnitOfWorkFactory(engine)() as uow:
        resident = await uow.residents.get_or_create(GRANNY, NOW)
        for n in range(3):
            question = _question(resident.id, f"第{n}问")
            reply = Interaction(kind=EventKind.FAQ_ANSWER, at=NOW, resident_id=resident.id)
            question_id = await uow.interactions.add_question(question, reply)
            assert await uow.interactions.question_text(question_id, resident.id) == f"第{n}问"
        with pytest.raises(ValueError):
            await uow.interactions.add_question(question, question)
        await uow.commit()
    async with engine.connect() as connection:
        kinds = (await connection.scalars(select(InteractionRow.kind))).all()
    assert sorted(kinds) == sorted([EventKind.QUESTION, EventKind.FAQ_ANSWER] * 3)


async def test_values_come_back_as_stored(engine: AsyncEngine) -> None:
    """Times stay aware and exact, JSON columns round-trip, counts see the resident's own rows."""
    async with SqlUnitOfWorkFactory(engine)() as uow:
        first = await uow.residents.arrive(GRANNY, NOW, ["question"], NOW)
        assert first.resident.display_name == "王大妈" and first.recent == 0
        await uow.interactions.add(_question(first.resident.id, "一"))
        buttons = ((Button("有用", "fb:x"), Button("没解决", "esc:1")),)
        outbox_id = await uow.outbox.put(Outgoing(GRANNY.chat_id, "答", buttons), NOW)
        await uow.commit()
    renamed = Person(GRANNY.user_id, GRANNY.chat_id, "王秀兰")
    async with SqlUnitOfWorkFactory(engine)() as uow:
        second = await uow.residents.arrive(
            renamed, NOW, ["question", "smalltalk"], NOW - timedelta(minutes=1)
        )
        assert second.resident.id == first.resident.id
        assert second.resident.display_name == "王秀兰" and second.recent == 1
        later = await uow.residents.arrive(renamed, NOW, ["question"], NOW + timedelta(seconds=1))
        assert later.recent == 0
        pending = await uow.outbox.get(outbox_id)
        assert pending is not None and pending.outgoing.buttons == buttons
        await uow.outbox.mark_all_sent([(outbox_id, 77)], NOW)
        await uow.commit()
    async with engine.connect() as connection:
        row = (await connection.execute(select(OutboxRow))).one()
        assert await connection.scalar(select(ResidentRow.display_name)) == "王秀兰"
    assert (row.status, row.message_id, row.attempts) == ("sent", 77, 1)
    assert row.sent_at == NOW and row.sent_at.tzinfo is not None


async def test_a_refused_statement_raises_sqlalchemys_error_and_stores_nothing(
    engine: AsyncEngine,
) -> None:
    """The intake tells database failures apart by SQLAlchemy's exception classes."""
    async with SqlUnitOfWorkFactory(engine)() as uow:
        resident = await uow.residents.get_or_create(GRANNY, NOW)
        await uow.interactions.add(_question(resident.id, "问题"))
        broken = Outgoing(GRANNY.chat_id, "您好", purpose=None)  # type: ignore[arg-type]
        with pytest.raises(IntegrityError):  # outbox.purpose is NOT NULL
            await uow.outbox.put(broken, NOW)
    assert await _count(engine, ResidentRow) == 0
    assert await _count(engine, InteractionRow) == 0


async def test_two_bots_on_one_database_never_share_an_id(database_url: str) -> None:
    engines = [create_engine(database_url), create_engine(_same_database(database_url))]
    try:
        async with SqlUnitOfWorkFactory(engines[0])() as uow:
            resident = await uow.residents.get_or_create(GRANNY, NOW)
            await uow.commit()
        given: dict[int, str] = {}
        for n in range(40):
            async with SqlUnitOfWorkFactory(engines[n % 2])() as uow:
                text = f"第{n}问"
                [question_id] = await uow.interactions.add_all([_question(resident.id, text)])
                await uow.commit()
            given[question_id] = text
        assert len(given) == 40
        async with SqlUnitOfWorkFactory(engines[1])() as uow:
            for question_id, text in given.items():
                assert await uow.interactions.question_text(question_id, resident.id) == text
    finally:
        for built in engines:
            await built.dispose()


async def test_two_bots_processing_one_update_at_once_store_it_once(database_url: str) -> None:
    """Bot A has marked update 31 processed but not committed yet when bot B finishes the same
    update: B waits (SQLite: for the write lock; PostgreSQL: for A's row), then is refused and
    stores nothing; A's effects are stored once."""
    engines = [create_engine(database_url), create_engine(_same_database(database_url))]
    try:
        await SqlInbox(SqlUnitOfWorkFactory(engines[0])).store(
            [InboxItem(31, GRANNY.chat_id, {"update_id": 31})], NOW
        )
        async with SqlUnitOfWorkFactory(engines[0])() as uow:
            resident = await uow.residents.get_or_create(GRANNY, NOW)
            await uow.commit()

        async def process(engine: AsyncEngine, text: str) -> None:
            token = current_update.set(Ticket(31, NOW))
            try:
                async with SqlUnitOfWorkFactory(engine)() as uow:
                    await uow.interactions.add(_question(resident.id, text))
                    await uow.commit()
            finally:
                current_update.reset(token)

        async with SqlUnitOfWorkFactory(engines[0])() as first:
            await first.interactions.add(_question(resident.id, "A"))
            await claim_update(first.connection, Ticket(31, NOW))
            second = asyncio.create_task(process(engines[1], "B"))
            done, _ = await asyncio.wait({second}, timeout=0.5)
            assert not done  # B waits for A's outcome
            await first.connection.commit()
        with pytest.raises(AlreadyProcessed):
            await second
        async with engines[0].connect() as connection:
            texts = (await connection.scalars(select(InteractionRow.text))).all()
            marked = await connection.scalar(select(InboxRow.processed_at))
        assert texts == ["A"] and marked == NOW
    finally:
        for built in engines:
            await built.dispose()
