"""Preparing the database before a command uses it."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.storage.migrate import is_up_to_date, upgrade
from bot.storage.uow import create_engine

OUTDATED = "legaldesk: the database schema is outdated; run `legaldesk migrate` first"


class OutdatedSchema(Exception):
    """The PostgreSQL schema is behind the code; ``legaldesk migrate`` upgrades it."""


async def prepare_database(settings: Settings, *, upgrade_any: bool = False) -> None:
    """Migrate the embedded SQLite database (any database with ``upgrade_any``); refuse an
    outdated PostgreSQL schema otherwise."""
    engine = create_engine(settings.database_url)
    try:
        if engine.dialect.name == "sqlite":
            _ensure_sqlite_folder(settings.database_url)
        if upgrade_any or engine.dialect.name == "sqlite":
            await upgrade(engine)
        elif not await is_up_to_date(engine):
            raise OutdatedSchema
    finally:
        await engine.dispose()


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and ":memory:" not in path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)


async def migrate(settings: Settings) -> int:
    await prepare_database(settings, upgrade_any=True)
    print("database schema is up to date")
    return 0
