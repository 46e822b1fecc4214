"""Shared fixtures: databases on both engines, the loaded knowledge, wired services, a clock."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from bot.app import Knowledge, Services, build_services, load_knowledge
from bot.config import Settings, load_settings
from bot.core.clock import ManualClock
from bot.storage.migrate import upgrade
from bot.storage.models import Base
from bot.storage.uow import create_engine
from tests.fakes import record_every_channel

# PTB 22 warns that RetryAfter.retry_after becomes a timedelta; opt in now (the bot handles both).
os.environ.setdefault("PTB_TIMEDELTA", "1")

GIVEN_POSTGRES_URL = os.environ.get("LEGALDESK_TEST_POSTGRES_URL")


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist each worker (gw0, gw1 ...) uses a database of its own beside the given
    one (test_gw0 ...; created on first use), so that workers never empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    given = make_url(url)
    return given.set(database=f"{given.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = _worker_database(GIVEN_POSTGRES_URL)
ENGINES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
REPO = Path(__file__).resolve().parent.parent

# Wednesday 2026-11-25 10:30 in Asia/Shanghai: inside the weekday shift of the test roster.
WEDNESDAY_MORNING = datetime(2026, 11, 25, 2, 30, tzinfo=UTC)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_name" in metafunc.fixturenames:
        engines = ENGINES
        if metafunc.definition.get_closest_marker("postgres"):  # a server's faults
            engines = [e for e in ENGINES if e == "postgres"]
        metafunc.parametrize("engine_name", engines)


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The real shipped knowledge base, matcher and law texts, loaded once."""
    return load_knowledge(load_settings(None, {}, cwd=REPO / "tests"))


_postgres_ready = False


async def _reset_postgres() -> None:
    """Rebuild the test database's schema from the migrations, once per test run."""
    global _postgres_ready
    if _postgres_ready:
        return
    assert POSTGRES_URL and GIVEN_POSTGRES_URL
    if POSTGRES_URL != GIVEN_POSTGRES_URL:  # this worker's own database
        server = create_engine(GIVEN_POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = make_url(POSTGRES_URL).database
        async with server.connect() as conn:
            exists = await conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            )
            if not exists:
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await server.dispose()
    engine = create_engine(POSTGRES_URL)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    await engine.dispose()
    _postgres_ready = True


@pytest.fixture
async def database_url(engine_name: str, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database on the parametrised engine."""
    if engine_name == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        yield url
        return
    await _reset_postgres()
    assert POSTGRES_URL
    engine = create_engine(POSTGRES_URL)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    yield POSTGRES_URL


STAFF_YAML = """
timezone: Asia/Shanghai
advisers:
  - {telegram_id: 9001, name: 李律师, role: adviser, shifts: ["mon-fri 10:00-19:30"]}
  - {telegram_id: 9002, name: 张律师, role: adviser,
     shifts: ["sat 11:00-14:00", "mon-fri 10:00-19:30"]}
  - {telegram_id: 9100, name: 司法所王主任, role: office, shifts: []}
"""


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    config = tmp_path / "legaldesk.yaml"
    config.write_text(STAFF_YAML, encoding="utf-8")
    return load_settings(config, {"DATABASE_URL": database_url}, cwd=tmp_path)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(WEDNESDAY_MORNING)


@pytest.fixture
async def services(
    settings: Settings, knowledge: Knowledge, clock: ManualClock
) -> AsyncIterator[Services]:
    built = build_services(settings, knowledge, clock)
    record_every_channel(built)
    yield built
    await built.close()


def with_settings(settings: Settings, **changes: object) -> Settings:
    return replace(settings, **changes)  # type: ignore[arg-type]
