"""Engine, session factory and the SQLAlchemy unit of work."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from contextvars import ContextVar
from typing import Any, Self
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from bot.storage.inbox import current_update, mark_processed
from bot.storage.repositories import (
    SqlCaseRepository,
    SqlDutyRepository,
    SqlInteractionRepository,
    SqlOutbox,
    SqlResidentRepository,
)

SQLITE_BUSY_TIMEOUT_MS = 15_000


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for SQLite (WAL, busy timeout, foreign keys) or PostgreSQL (pre-ping)."""
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, issue BEGIN (see _begin_immediate).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(connection: Any) -> None:
            # Take the write lock at the start of every transaction: a deferred transaction that
            # read first and writes later fails at once with SQLITE_BUSY when another writer got
            # in between, whatever the busy timeout; IMMEDIATE waits its turn instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


# SQLite admits one writer at a time and every transaction here begins IMMEDIATE, as a writer.
# When tasks of one process contend, SQLite's busy handler makes the losers sleep 1, 2, 5 ... 100 ms
# between tries: the lock idles meanwhile and an unlucky task waits seconds. So units of work of a
# process take turns on an asyncio lock first (first come, first served); a nested one passes.
_sqlite_turns: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()
_has_turn: ContextVar[bool] = ContextVar("legaldesk_sqlite_turn", default=False)


@asynccontextmanager
async def sqlite_turn(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[None]:
    """This task's turn to use the SQLite database; nothing to wait for on PostgreSQL."""
    bind = sessions.kw.get("bind")
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite" or _has_turn.get():
        yield
        return
    lock = _sqlite_turns.setdefault(bind.sync_engine, asyncio.Lock())
    async with lock:
        token = _has_turn.set(True)
        try:
            yield
        finally:
            _has_turn.reset(token)


class SqlUnitOfWork:
    """One session, one transaction; rolled back unless ``commit()`` was called."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._turn = AsyncExitStack()
        await self._turn.enter_async_context(sqlite_turn(self._sessions))
        session = self._sessions()
        self._session = session
        self.residents = SqlResidentRepository(session)
        self.interactions = SqlInteractionRepository(session)
        self.cases = SqlCaseRepository(session)
        self.outbox = SqlOutbox(session)
        self.duty = SqlDutyRepository(session)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None
        try:
            await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None
            await self._turn.aclose()

    async def commit(self) -> None:
        assert self._session is not None
        # The Telegram update being processed (if any) is marked done in this same transaction.
        ticket = current_update.get()
        if ticket is not None and not ticket.committed:
            await mark_processed(self._session, ticket)
        await self._session.commit()
        if ticket is not None:
            ticket.committed = True

    @property
    def session(self) -> AsyncSession:
        """The session, for report queries that run inside this unit of work."""
        assert self._session is not None
        return self._session


class SqlUnitOfWorkFactory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)
