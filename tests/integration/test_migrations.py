"""The schema comes only from Alembic: migrations build exactly what the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.migrate import (
    current_revision,
    downgrade,
    head_revision,
    is_up_to_date,
    upgrade,
)
from bot.storage.models import Base
from bot.storage.uow import create_engine


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_agree(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(_diff)
        assert diff == []
        assert await is_up_to_date(engine)
    finally:
        await engine.dispose()


async def test_migrations_are_reversible(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await downgrade(engine, "base")
        assert not await is_up_to_date(engine)
        await upgrade(engine)
        assert await is_up_to_date(engine)
        assert head_revision() is not None
    finally:
        await engine.dispose()


async def _claim_function_exists(engine: AsyncEngine) -> bool:
    if engine.dialect.name != "postgresql":
        return False
    async with engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT count(*) FROM pg_proc WHERE proname = 'legaldesk_claimed'")
        )
    return bool(found)


async def test_0006_drops_the_claim_function_and_its_downgrade_restores_it(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await downgrade(engine, "0006")
        assert await current_revision(engine) == "0006"
        assert not await _claim_function_exists(engine)
        await downgrade(engine, "0005")
        assert await current_revision(engine) == "0005"
        assert await _claim_function_exists(engine) == (engine.dialect.name == "postgresql")
        await upgrade(engine, "0006")
        assert await current_revision(engine) == "0006"
        assert not await _claim_function_exists(engine)
        await upgrade(engine)
    finally:
        await engine.dispose()
