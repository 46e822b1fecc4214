"""The embedded SQLite engine: waiting for another process's write lock does not stall the event
loop, a lock held too long fails the unit of work and stores nothing, a connection handed back
mid-transaction frees the lock, a stored batch of updates is synced to disk, reports read beside
writers, and the per-message count reads a resident's own rows."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import exc, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.desk import INBOUND
from bot.core.ports import Person
from bot.storage import uow as uow_module
from bot.storage.inbox import InboxItem, SqlInbox
from bot.storage.migrate import upgrade
from bot.storage.models import ResidentRow
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine

GRANNY = Person(user_id=501, chat_id=501, display_name="王大妈")
NOW = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[tuple[Path, AsyncEngine]]:
    path = tmp_path / "desk.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    yield path, engine
    await engine.dispose()


async def _register(engine: AsyncEngine, person: Person = GRANNY) -> None:
    async with SqlUnitOfWorkFactory(engine)() as uow:
        await uow.residents.get_or_create(person, NOW)
        await uow.commit()


async def _residents(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(ResidentRow)) or 0)


def _other_process_lock(path: Path) -> sqlite3.Connection:
    """Another program (the purge CLI, say) holding the database's write lock."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


async def test_a_write_waits_for_another_process_lock_while_the_loop_runs_on(
    database: tuple[Path, AsyncEngine],
) -> None:
    path, engine = database
    other = _other_process_lock(path)
    write = asyncio.create_task(_register(engine))
    # SQLite's busy handler waits on aiosqlite's thread: the loop keeps serving meanwhile.
    done, _ = await asyncio.wait({write}, timeout=0.5)
    assert not done
    other.execute("COMMIT")
    other.close()
    await write
    assert await _residents(engine) == 1


async def test_two_processes_that_read_then_write_both_succeed(
    database: tuple[Path, AsyncEngine],
) -> None:
    """Two bots on one file, each reading its resident and then writing: the second waits for
    the first's commit instead of failing with "database is locked" (a deferred transaction's
    read lock cannot be upgraded while another reader wants to write)."""
    path, engine = database
    other_bot = create_engine(f"sqlite+aiosqlite:///{path.parent}/./{path.name}")  # own turns
    uncle = Person(user_id=502, chat_id=502, display_name="李大爷")
    try:
        async with SqlUnitOfWorkFactory(engine)() as first:
            await first.residents.arrive(GRANNY, NOW, INBOUND, NOW)  # reads, then inserts
            second = asyncio.create_task(_register(other_bot, uncle))
            done, _ = await asyncio.wait({second}, timeout=0.5)
            assert not done  # waits for the first bot's transaction
            await first.commit()
        await second
        assert await _residents(engine) == 2
    finally:
        await other_bot.dispose()


async def test_a_lock_held_too_long_fails_the_unit_of_work_and_stores_nothing(
    database: tuple[Path, AsyncEngine], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = database
    monkeypatch.setattr(uow_module, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        other = _other_process_lock(path)
        try:
            with pytest.raises(exc.OperationalError, match="database is locked"):
                await _register(engine)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert await _residents(engine) == 0
        await _register(engine)  # the engine is fine afterwards
        assert await _residents(engine) == 1
    finally:
        await engine.dispose()


async def test_a_connection_handed_back_mid_transaction_is_rolled_back_and_frees_the_lock(
    database: tuple[Path, AsyncEngine],
) -> None:
    """The pool rolls back only transactions still open when a connection comes back (most
    units of work committed): one SQLAlchemy did not see begin must not keep the write lock."""
    path, engine = database
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.execute("BEGIN IMMEDIATE")  # behind SQLAlchemy's back
        await driver.execute(
            "INSERT INTO residents (user_id, chat_id, display_name, created_at)"
            " VALUES (502, 502, '李大爷', '2026-11-25 02:30:00.000000')"
        )
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")  # raises "database is locked" if it was kept
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert await _residents(engine) == 0
    await _register(engine)  # the pooled connection serves the next unit of work
    assert await _residents(engine) == 1


async def test_a_stored_batch_of_updates_is_synced_to_disk_before_its_offset_moves(
    database: tuple[Path, AsyncEngine],
) -> None:
    """WAL with synchronous=NORMAL survives the process crashing, but a power cut can undo
    commits not yet synced. The inbox's store (after which Telegram's offset moves) commits
    with synchronous=FULL, which syncs every commit before it too; other units of work do not
    pay for a sync."""
    _, engine = database

    async def level() -> int:  # what the connection that just committed syncs with
        async with SqlUnitOfWorkFactory(engine, write=False)() as report:
            return int(await report.connection.scalar(text("PRAGMA synchronous")) or 0)

    await SqlInbox(SqlUnitOfWorkFactory(engine)).store([InboxItem(7, 501, {"update_id": 7})], NOW)
    assert await level() == 2  # FULL
    await _register(engine)
    assert await level() == 1  # NORMAL
    await SqlInbox(SqlUnitOfWorkFactory(engine)).store([InboxItem(8, 501, {"update_id": 8})], NOW)
    assert await level() == 2


async def test_a_report_reads_committed_rows_while_another_process_writes(
    database: tuple[Path, AsyncEngine],
) -> None:
    path, engine = database
    await _register(engine)
    other = _other_process_lock(path)  # a writer busy elsewhere does not hold up a reader
    try:
        other.execute(
            "INSERT INTO residents (user_id, chat_id, display_name, created_at)"
            " VALUES (502, 502, '李大爷', '2026-11-25 02:30:00.000000')"
        )
        async with SqlUnitOfWorkFactory(engine, write=False)() as report:
            assert await report.residents.get(1) is not None
            assert await report.residents.get(2) is None  # not committed
    finally:
        other.execute("ROLLBACK")
        other.close()


async def test_a_residents_recent_messages_are_counted_from_their_own_rows(
    database: tuple[Path, AsyncEngine],
) -> None:
    """Every message counts its sender's messages of the last minute (flood control). SQLite must
    read that resident's rows for it, not everyone's messages of the minute: that cost would grow
    with the desk's traffic. The planner's choice is read off the statement the desk runs."""
    path, engine = database
    statements: list[str] = []

    await _register(engine)
    await engine.dispose()
    async with engine.connect() as connection:  # the pool's only connection, traced
        raw = await connection.get_raw_connection()
        await raw.driver_connection.set_trace_callback(statements.append)
    async with SqlUnitOfWorkFactory(engine)() as uow:
        arrival = await uow.residents.arrive(GRANNY, NOW, INBOUND, NOW - timedelta(minutes=1))
    assert arrival.recent == 0
    [sql] = [s for s in statements if "count(" in s]  # as run, with its values
    with sqlite3.connect(path) as raw:
        plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}")]
    [count] = [step for step in plan if "interactions" in step]
    assert "ix_interactions_resident_kind_at (resident_id=? AND kind=? AND at>?)" in count, plan
