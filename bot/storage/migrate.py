"""Run Alembic migrations from inside legaldesk, on the engine it already uses."""

from __future__ import annotations

import functools

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.resources import alembic_ini, migrations_dir


def alembic_config(url: str) -> Config:
    config = Config(str(alembic_ini()))
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


@functools.cache
def known_revisions() -> tuple[str, ...]:
    """The revisions this version ships, newest (head) first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return tuple(r.revision for r in script.walk_revisions())


async def current_revision(engine: AsyncEngine) -> str | None:
    def _read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(_read)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_run)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))

    def _run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(_run)


async def is_up_to_date(engine: AsyncEngine) -> bool:
    return await current_revision(engine) == head_revision()
