"""Statements run on the driver's own connection (bot.storage.direct) belong to the unit of work's
transaction on both engines: stored together with SQLAlchemy's statements, or not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.interactions import EventKind, Interaction
from bot.core.ports import Button, Outgoing, Person
from bot.storage.direct import Runner
from bot.storage.models import InteractionRow, OutboxRow, ResidentRow
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine

GRANNY = Person(user_id=501, chat_id=501, display_name="王大妈")
NOW = datetime(2026, 11, 25, 2, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture(params=["driver", "sqlalchemy"])
async def engine(
    request: pytest.FixtureRequest, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[AsyncEngine]:
    """The engine, with statements run on the driver (as the bot does) or through SQLAlchemy
    (the runner for other drivers, such as the reports' threaded SQLite engine)."""
    if request.param == "sqlalchemy":

        async def through_sqlalchemy(connection: AsyncConnection) -> Runner:
            return Runner(connection)

        monkeypatch.setattr(Runner, "open", staticmethod(through_sqlalchemy))
    built = create_engine(database_url)
    yield built
    await built.dispose()


async def _count(engine: AsyncEngine, table: type) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


def _question(resident_id: int, text: str) -> Interaction:
    return Interaction(kind=EventKind.QUESTION, at=NOW, resident_id=resident_id, text=text)


async def test_a_unit_of_work_left_without_commit_stores_nothing(engine: AsyncEngine) -> None:
    async with SqlUnitOfWorkFactory(engine)() as uow:
        arrival = await uow.residents.arrive(GRANNY, NOW, ["question"], NOW)  # direct, first
        await uow.interactions.add(_question(arrival.resident.id, "邻居占了我家的地"))
        await uow.outbox.put(Outgoing(GRANNY.chat_id, "您好"), NOW)
    assert await _count(engine, ResidentRow) == 0
    assert await _count(engine, InteractionRow) == 0
    assert await _count(engine, OutboxRow) == 0


async def test_direct_and_sqlalchemy_statements_commit_together(engine: AsyncEngine) -> None:
    async with SqlUnitOfWorkFactory(engine)() as uow:
        resident = await uow.residents.get_or_create(GRANNY, NOW)  # through SQLAlchemy first
        ids = await uow.interactions.add_all(
            [_question(resident.id, "第一句"), _question(resident.id, "第二句")]
        )
        case = await uow.cases.open(resident.id, "第二句", NOW, None, None)
        await uow.commit()
        # after a commit the next direct statement opens a new transaction, rolled back at exit
        await uow.interactions.add(_question(resident.id, "未提交"))
    async with SqlUnitOfWorkFactory(engine)() as uow:
        assert [await uow.interactions.question_text(i, resident.id) for i in ids] == [
            "第一句",
            "第二句",
        ]
        assert (await uow.cases.get(case.id)) is not None
    assert await _count(engine, InteractionRow) == 2


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
        assert (await uow.residents.arrive(renamed, NOW, ["question"], NOW)).recent == 1
        later = await uow.residents.arrive(renamed, NOW, ["question"], NOW + timedelta(seconds=1))
        assert later.recent == 0
        pending = await uow.outbox.get(outbox_id)
        assert pending is not None
        assert pending.outgoing.buttons == buttons
        await uow.outbox.mark_all_sent([(outbox_id, 77)], NOW)
        await uow.commit()
    async with engine.connect() as connection:
        row = (await connection.execute(select(OutboxRow))).one()
    assert (row.status, row.message_id, row.attempts) == ("sent", 77, 1)
    assert row.sent_at == NOW and row.sent_at.tzinfo is not None


async def test_a_refused_statement_raises_sqlalchemys_error(engine: AsyncEngine) -> None:
    """The rest of the bot tells database failures apart by SQLAlchemy's exception classes
    (the intake retries them; DataError is given up at once), whichever way a statement ran:
    at once, or deferred to the commit (PostgreSQL)."""
    async with SqlUnitOfWorkFactory(engine)() as uow:
        resident = await uow.residents.get_or_create(GRANNY, NOW)
        broken = Outgoing(GRANNY.chat_id, "您好", purpose=None)  # type: ignore[arg-type]
        with pytest.raises(IntegrityError):  # outbox.purpose is NOT NULL
            await uow.outbox.put(broken, NOW)
            await uow.commit()
        assert resident.id
    assert await _count(engine, ResidentRow) == 0  # rolled back with it


async def test_writes_kept_for_the_commit_are_seen_by_the_statements_after_them(
    engine: AsyncEngine,
) -> None:
    """On PostgreSQL, inserts wait to be sent with the commit; a statement that comes first,
    through the driver or through SQLAlchemy, still sees them."""
    async with SqlUnitOfWorkFactory(engine)() as uow:
        resident = (await uow.residents.arrive(GRANNY, NOW, ["question"], NOW)).resident
        await uow.commit()
    async with SqlUnitOfWorkFactory(engine)() as uow:
        arrival = await uow.residents.arrive(GRANNY, NOW, ["question"], NOW)  # a read, alone
        question_id = await uow.interactions.add(_question(resident.id, "地被占了"))
        assert await uow.interactions.question_text(question_id, resident.id) == "地被占了"
        again = await uow.residents.arrive(GRANNY, NOW, ["question"], NOW)
        assert (arrival.recent, again.recent) == (0, 1)
        case = await uow.cases.open(resident.id, "地被占了", NOW, None, None)
        await uow.interactions.add(
            Interaction(kind=EventKind.HANDOFF, at=NOW, resident_id=resident.id, case_id=case.id)
        )
        await uow.outbox.put(Outgoing(GRANNY.chat_id, "已转给律师", case_id=case.id), NOW)
        await uow.commit()
    assert await _count(engine, InteractionRow) == 2
    assert await _count(engine, OutboxRow) == 1


async def test_a_write_refused_at_the_commit_stores_nothing_of_its_unit_of_work(
    engine: AsyncEngine,
) -> None:
    async with SqlUnitOfWorkFactory(engine)() as uow:
        await uow.residents.arrive(GRANNY, NOW, ["question"], NOW)
        await uow.commit()
    renamed = Person(GRANNY.user_id, GRANNY.chat_id, "王秀兰")
    async with SqlUnitOfWorkFactory(engine)() as uow:
        resident = (await uow.residents.arrive(renamed, NOW, ["question"], NOW)).resident
        await uow.interactions.add(_question(resident.id, "问题"))
        broken = Outgoing(GRANNY.chat_id, "您好", purpose=None)  # type: ignore[arg-type]
        with pytest.raises(IntegrityError):
            await uow.outbox.put(broken, NOW)
            await uow.commit()
    assert await _count(engine, InteractionRow) == 0
    async with engine.connect() as connection:
        assert await connection.scalar(select(ResidentRow.display_name)) == "王大妈"


async def test_ids_handed_out_before_the_insert_never_collide(database_url: str) -> None:
    """Two bots on one database (two engines here) take ids from the same sequences: every
    row gets its own id, each bot's ids ascend, and each id names the row it was given for."""
    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        async with SqlUnitOfWorkFactory(engines[0])() as uow:
            resident = await uow.residents.get_or_create(GRANNY, NOW)
            await uow.commit()
        given: dict[int, str] = {}
        per_engine: list[list[int]] = [[], []]
        for n in range(150):  # more than a block of ids per engine
            which = n % 2 if n < 100 else 0
            async with SqlUnitOfWorkFactory(engines[which])() as uow:
                text = f"第{n}问"
                [question_id] = await uow.interactions.add_all([_question(resident.id, text)])
                await uow.commit()
            given[question_id] = text
            per_engine[which].append(question_id)
        assert len(given) == 150
        assert all(ids == sorted(ids) for ids in per_engine)
        async with SqlUnitOfWorkFactory(engines[1])() as uow:
            for question_id, text in given.items():
                assert await uow.interactions.question_text(question_id, resident.id) == text
    finally:
        for built in engines:
            await built.dispose()
