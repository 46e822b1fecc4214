"""PostgreSQL restarted under the bot: connections that died waiting in the pool are replaced
before a unit of work uses them, so residents' messages do not fail on them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.ports import Person
from bot.storage.uow import SqlUnitOfWorkFactory, create_engine, warm_pool

NOW = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)


async def _backend_pids(engine: AsyncEngine, count: int) -> set[int]:
    """Open ``count`` pooled connections at once; their server processes."""
    factory = SqlUnitOfWorkFactory(engine)
    units = [factory() for _ in range(count)]
    for unit in units:
        await unit.__aenter__()
    try:
        return {int(await u.connection.scalar(text("SELECT pg_backend_pid()"))) for u in units}
    finally:
        for unit in units:
            await unit.__aexit__(None, None, None)


async def _restart(url: str, pids: set[int]) -> None:
    """Kill those server processes, as a restart does, and wait until they are gone."""
    other = create_engine(url)
    try:
        async with other.connect() as connection:
            for pid in pids:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)")
            async with asyncio.timeout(10):  # polls the server: its processes exit on their own
                while True:
                    if not await connection.scalar(alive, {"pids": list(pids)}):
                        return
                    await asyncio.sleep(0.01)
    finally:
        await other.dispose()


@pytest.mark.postgres
async def test_connections_killed_while_idle_in_the_pool_are_replaced(database_url: str) -> None:
    engine = create_engine(database_url)  # checks each pooled connection before use
    try:
        pids = await _backend_pids(engine, 3)
        await _restart(database_url, pids)
        factory = SqlUnitOfWorkFactory(engine)
        for n in range(3):  # each of the three dead connections is checked out in turn
            async with factory() as uow:
                person = Person(user_id=600 + n, chat_id=600 + n, display_name=f"居民{n}")
                await uow.residents.arrive(person, NOW, ["question"], NOW)
                await uow.commit()
        assert not pids & await _backend_pids(engine, 3)
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_start_up_opens_the_connections_concurrent_updates_use(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await warm_pool(engine, 6)
        assert engine.sync_engine.pool.checkedin() == 6  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
